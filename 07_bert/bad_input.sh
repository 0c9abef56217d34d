# 07_bert/bad_input.sh - bin/bert's cases for tests/check_bad_input.sh (sourced there: uses its
# expect, $BIN and $T). Bad arguments exit 2, bad files and model directories exit 1, each with a
# short message, and no output file is left behind.

# a good tiny model to damage
"$BIN/bert" pretrain --corpus "$T/small.txt" --out "$T/bm" --layers 1 --hidden 16 --heads 2 --intermediate 16 \
    --vocab-size 60 --max-seq-len 16 --batch 2 --steps 2 --warmup 1 --threads 1 --holdout-every 0 > /dev/null 2>&1
bdir() { rm -rf "$T/$1"; cp -r "$T/bm" "$T/$1"; }
cp "$BIN/bert" "$T/bert-alone" # a copy with no models/ beside it: a missing --model is then an error
# a NaN in the weights: refused at load with the tensor named
bdir nanw
# the first weight of the data region (after the 8-byte length and the header) becomes a NaN
hlen=$(od -An -t u8 -N8 "$T/nanw/model.safetensors" | tr -d ' ')
printf '\000\000\300\177' | dd of="$T/nanw/model.safetensors" bs=1 seek=$((8 + hlen)) conv=notrunc 2>/dev/null

# arguments
expect "bert unknown command" -- "$BIN/bert" nope
expect "bert pretrain without --corpus" -- "$BIN/bert" pretrain --out "$T/x"
expect "bert pretrain --hidden 0" -- "$BIN/bert" pretrain --corpus "$T/small.txt" --out "$T/x" --hidden 0
expect "bert pretrain --layers 1e12" -- "$BIN/bert" pretrain --corpus "$T/small.txt" --out "$T/x" --layers 1000000000000
expect "bert pretrain hidden not a multiple of heads" -- "$BIN/bert" pretrain --corpus "$T/small.txt" --out "$T/x" --hidden 10 --heads 3
expect "bert pretrain --position sideways" -- "$BIN/bert" pretrain --corpus "$T/small.txt" --out "$T/x" --position sideways
expect "bert pretrain --warmup >= --steps" -- "$BIN/bert" pretrain --corpus "$T/small.txt" --out "$T/x" --steps 10 --warmup 10
printf 'a line with no mask\n' > "$T/nomask.txt"
expect "bert fill-mask from standard input, a line without [MASK]" --stdin "$T/nomask.txt" -- "$BIN/bert" fill-mask --model "$T/bm"
expect "bert fill-mask, no --model and no shipped model beside the program" -- "$T/bert-alone" fill-mask --text "a [MASK]"
expect "bert encode without --out" -- "$BIN/bert" encode --model "$T/bm" --text hi
expect "bert timing --lengths 0" -- "$BIN/bert" timing --lengths 0,16

# corpora
expect "bert pretrain (missing corpus)" --creates "$T/x" -- "$BIN/bert" pretrain --corpus "$T/none.txt" --out "$T/x"
expect "bert pretrain (empty corpus)" --creates "$T/x" -- "$BIN/bert" pretrain --corpus "$T/empty.txt" --out "$T/x"
expect "bert pretrain (binary corpus)" --creates "$T/x" -- "$BIN/bert" pretrain --corpus "$T/garbage.bin" --out "$T/x"
expect "bert pretrain (invalid UTF-8)" --creates "$T/x" -- "$BIN/bert" pretrain --corpus "$T/invalid.txt" --out "$T/x"
expect "bert pretrain (directory as corpus)" --creates "$T/x" -- "$BIN/bert" pretrain --corpus "$T/dir" --out "$T/x"
expect "bert corpus --exclude (missing file)" --creates "$T/x" -- "$BIN/bert" corpus --inputs "$T/small.txt" --out "$T/x" --exclude "$T/none.tsv"
expect "bert corpus --exclude (binary file)" --creates "$T/x" -- "$BIN/bert" corpus --inputs "$T/small.txt" --out "$T/x" --exclude "$T/garbage.bin"
printf 'one line only\n' > "$T/oneline.txt"
expect "bert pretrain (one document)" --creates "$T/x" -- "$BIN/bert" pretrain --corpus "$T/oneline.txt" --out "$T/x" \
    --hidden 16 --heads 2 --layers 1 --intermediate 16 --vocab-size 30 --max-seq-len 16
expect "bert eval (empty corpus)" -- "$BIN/bert" eval --model "$T/bm" --corpus "$T/empty.txt"

# model directories
expect "bert fill-mask (no such directory)" -- "$BIN/bert" fill-mask --model "$T/nodir" --text "a [MASK]"
expect "bert fill-mask (a file, not a directory)" -- "$BIN/bert" fill-mask --model "$T/small.txt" --text "a [MASK]"
bdir nov; rm -f "$T/nov/vocab.txt"
expect "bert fill-mask (no vocab.txt)" -- "$BIN/bert" fill-mask --model "$T/nov" --text "a [MASK]"
bdir noc; rm -f "$T/noc/config.json"
expect "bert encode (no config.json)" --creates "$T/h.bin" -- "$BIN/bert" encode --model "$T/noc" --text hi --out "$T/h.bin"
bdir nos; rm -f "$T/nos/model.safetensors"
expect "bert encode (no model.safetensors)" --creates "$T/h.bin" -- "$BIN/bert" encode --model "$T/nos" --text hi --out "$T/h.bin"
bdir trunc; head -c 2000 "$T/bm/model.safetensors" > "$T/trunc/model.safetensors"
expect "bert encode (truncated model.safetensors)" --creates "$T/h.bin" -- "$BIN/bert" encode --model "$T/trunc" --text hi --out "$T/h.bin"
bdir garb; cp "$T/garbage.bin" "$T/garb/model.safetensors"
expect "bert encode (garbage model.safetensors)" --creates "$T/h.bin" -- "$BIN/bert" encode --model "$T/garb" --text hi --out "$T/h.bin"
bdir cfg; sed 's/"hidden_size": *16/"hidden_size": 32/' "$T/bm/config.json" > "$T/cfg/config.json"
expect "bert encode (config contradicts the weights)" --creates "$T/h.bin" -- "$BIN/bert" encode --model "$T/cfg" --text hi --out "$T/h.bin"
bdir cfgj; printf '{"hidden_size": ' > "$T/cfgj/config.json"
expect "bert encode (broken config.json)" -- "$BIN/bert" encode --model "$T/cfgj" --text hi --out "$T/h.bin"
bdir bigv; for i in $(seq 1 100); do echo "extra$i"; done >> "$T/bigv/vocab.txt"
expect "bert fill-mask (vocab.txt longer than vocab_size)" -- "$BIN/bert" fill-mask --model "$T/bigv" --text "a [MASK]"
expect "bert fill-mask (a NaN in the weights)" -- "$BIN/bert" fill-mask --model "$T/nanw" --text "a [MASK]"
expect "bert fill-mask (no [MASK] in the text)" -- "$BIN/bert" fill-mask --model "$T/bm" --text "no mask here"
expect "bert pretrain --model (missing)" --creates "$T/x" -- "$BIN/bert" pretrain --corpus "$T/small.txt" --model "$T/nodir" --out "$T/x"

# resuming
bdir nost; rm -f "$T/nost/trainer_state.safetensors"
expect "bert pretrain --resume (no trainer state)" -- "$BIN/bert" pretrain --resume "$T/nost"
bdir badst; head -c 100 "$T/bm/trainer_state.safetensors" > "$T/badst/trainer_state.safetensors"
expect "bert pretrain --resume (truncated trainer state)" -- "$BIN/bert" pretrain --resume "$T/badst"
expect "bert pretrain --resume (already finished)" -- "$BIN/bert" pretrain --resume "$T/bm"
