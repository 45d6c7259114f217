"""Photo framing: a person's photo + a twibbon `Frame` + a placement -> the framed picture (Pillow only).

`placement` (the documented maths: zoom, offset, rotation -> one affine map), `decode` (photo bytes ->
a checked, lazily opened image; limits, truncation, ICC -> sRGB), `face` (--auto, optional OpenCV),
`frame` (`Frame`, `frame_photo`, `encode_framed`: the picture without metadata) and `jobs` (many
photos or a people CSV for `netral frame`).
Imports nothing above itself (the frame's artwork is rendered by `assets.twibbon`)."""
