# chapter 04: RNN, LSTM and GRU trained by backpropagation through time -> bin/rnn
$(eval $(call chapter,04_rnn_lstm,rnn,))
