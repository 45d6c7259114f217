// Photo placement, the same maths as netral_assets/framing.py (see its module docstring): the same
// zoom, offset and rotation give the same picture here and in `netral frame`.
//
//   cover(t) = max((ww|cos t| + wh|sin t|) / pw, (ww|sin t| + wh|cos t|) / ph)
//   s        = zoom * cover(t)                      output px per photo px
//   C        = (cx + ox*ww, cy + oy*wh)             where the photo's centre lands
//   fill white, clip to the window box, translate(C), rotate(t), scale(s), draw the photo centred,
//   then draw the frame on top.

export const ZOOM_RANGE = [0.25, 8];
export const OFFSET_LIMIT = 2;
export const DEFAULT_PLACEMENT = Object.freeze({ zoom: 1, offsetX: 0, offsetY: 0, rotate: 0 });

const RAD = Math.PI / 180;

export function coverScale(photoWidth, photoHeight, win, rotate) {
  const c = Math.abs(Math.cos(rotate * RAD));
  const s = Math.abs(Math.sin(rotate * RAD));
  return Math.max((win.width * c + win.height * s) / photoWidth, (win.width * s + win.height * c) / photoHeight);
}

// The window's bounding box in whole px with one px of margin, exactly as framing.Frame.box.
export function windowBox(win, width, height) {
  const x0 = Math.max(0, Math.floor(win.x) - 1);
  const y0 = Math.max(0, Math.floor(win.y) - 1);
  const x1 = Math.min(width, Math.ceil(win.x + win.width) + 1);
  const y1 = Math.min(height, Math.ceil(win.y + win.height) + 1);
  return [x0, y0, x1, y1];
}

export function photoCentre(win, placement) {
  return [win.x + win.width / 2 + placement.offsetX * win.width, win.y + win.height / 2 + placement.offsetY * win.height];
}

export function clampPlacement(p) {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const finite = (v, d) => (Number.isFinite(v) ? v : d);
  return {
    zoom: clamp(finite(p.zoom, 1), ...ZOOM_RANGE),
    offsetX: clamp(finite(p.offsetX, 0), -OFFSET_LIMIT, OFFSET_LIMIT),
    offsetY: clamp(finite(p.offsetY, 0), -OFFSET_LIMIT, OFFSET_LIMIT),
    rotate: finite(p.rotate, 0),
  };
}

// Draw the framed picture on `ctx` (a canvas of the frame's size).
// `photo`: anything drawImage takes (ImageBitmap, canvas, img), already upright (EXIF applied).
export function drawFramed(ctx, photo, photoWidth, photoHeight, frame, win, placement) {
  const { width, height } = ctx.canvas;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalCompositeOperation = "source-over";
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  if (photo) {
    const [x0, y0, x1, y1] = windowBox(win, width, height);
    const s = placement.zoom * coverScale(photoWidth, photoHeight, win, placement.rotate);
    const [cx, cy] = photoCentre(win, placement);
    ctx.beginPath();
    ctx.rect(x0, y0, x1 - x0, y1 - y0);
    ctx.clip();
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.translate(cx, cy);
    ctx.rotate(placement.rotate * RAD);
    ctx.scale(s, s);
    ctx.drawImage(photo, -photoWidth / 2, -photoHeight / 2, photoWidth, photoHeight);
  }
  ctx.restore();
  if (frame) ctx.drawImage(frame, 0, 0, width, height);
}

// A new placement that scales the picture by `ratio` and turns it by `turn` degrees about the output
// point (qx, qy), the point under the fingers or the mouse staying where it is.
export function transformAbout(placement, win, photoWidth, photoHeight, qx, qy, ratio, turn = 0) {
  const oldScale = placement.zoom * coverScale(photoWidth, photoHeight, win, placement.rotate);
  const rotate = placement.rotate + turn;
  const cover = coverScale(photoWidth, photoHeight, win, rotate);
  const zoom = Math.min(ZOOM_RANGE[1], Math.max(ZOOM_RANGE[0], (oldScale * ratio) / cover));
  const k = (zoom * cover) / oldScale;
  const [cx, cy] = photoCentre(win, placement);
  const dx = cx - qx;
  const dy = cy - qy;
  const c = Math.cos(turn * RAD);
  const s = Math.sin(turn * RAD);
  const nx = qx + k * (c * dx - s * dy);
  const ny = qy + k * (s * dx + c * dy);
  return clampPlacement({
    zoom,
    rotate,
    offsetX: (nx - (win.x + win.width / 2)) / win.width,
    offsetY: (ny - (win.y + win.height / 2)) / win.height,
  });
}

// A silhouette in the window, so the frame makes sense before a photo is chosen.
export function drawPlaceholder(ctx, frame, win) {
  const { width, height } = ctx.canvas;
  ctx.save();
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#E4EAF4";
  ctx.fillRect(win.x, win.y, win.width, win.height);
  ctx.fillStyle = "#C3CEE0";
  const cx = win.x + win.width / 2;
  const unit = Math.min(win.width, win.height);
  const headY = win.y + win.height / 2 - unit * 0.1;
  ctx.beginPath();
  ctx.arc(cx, headY, unit * 0.17, 0, 2 * Math.PI);
  ctx.fill();
  ctx.beginPath();
  ctx.ellipse(cx, headY + unit * 0.52, unit * 0.33, unit * 0.3, 0, Math.PI, 2 * Math.PI);
  ctx.fill();
  ctx.restore();
  if (frame) ctx.drawImage(frame, 0, 0, width, height);
}
