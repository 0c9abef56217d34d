# chapter 06: the transformer -> bin/transformer
$(eval $(call chapter,06_transformer,transformer,))
