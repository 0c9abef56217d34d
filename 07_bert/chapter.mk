# chapter 07: BERT -> bin/bert (the encoder blocks of chapter 06; word2vec vectors of chapter 02 for C26)
$(eval $(call chapter,07_bert,bert,06_transformer 05_seq2seq_attention 04_rnn_lstm 02_word2vec))
