# chapter 02: word2vec (skip-gram and CBOW) -> bin/word2vec
$(eval $(call chapter,02_word2vec,word2vec,))
