"""Photo framing: a person's photo + a twibbon `Frame` + a placement -> the framed picture (Pillow only).
Header limits before decoding, EXIF orientation and the placement in one affine map, sRGB, no metadata."""
