# chapter 05: seq2seq with attention -> bin/seq2seq (reuses chapter 04's recurrent cells and layers)
$(eval $(call chapter,05_seq2seq_attention,seq2seq,04_rnn_lstm))
