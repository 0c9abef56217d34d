# chapter 03: the neural network language model against smoothed n-grams -> bin/nnlm
$(eval $(call chapter,03_nnlm,nnlm,))
