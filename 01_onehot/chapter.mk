# chapter 01: one-hot vectors -> bin/onehot
$(eval $(call chapter,01_onehot,onehot,))
