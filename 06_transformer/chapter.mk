# chapter 06: the transformer -> bin/transformer
$(eval $(call chapter,06_transformer,transformer,05_seq2seq_attention 04_rnn_lstm))
