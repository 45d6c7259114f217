// The ASN's framing page: choose agency and design, pick a photo, place it, download.
// The photo is decoded and composed here, in the browser; it is never sent anywhere.

import { $, $$, agencySearch, copyText, debounce, fetchJSON, formatDecimal, say } from "./common.js";
import {
  DEFAULT_PLACEMENT,
  clampPlacement,
  drawFramed,
  drawPlaceholder,
  transformAbout,
} from "./compose.js";

// iOS Safari refuses canvases above ~16.7 million px and large bitmaps cost memory on every phone:
// photos are shrunk to this before drawing (still > 4× what the 1080 px output needs at zoom 1).
const MAX_SIDE = 4096;
const MAX_PIXELS = 16_000_000;
const MAX_FILE_BYTES = 40 * 1024 * 1024; // as the server's and the CLI's limit
const IN_APP = /FBAN|FBAV|FB_IAB|Instagram|Line\/|Twitter|TikTok|musical_ly|Snapchat|MicroMessenger|; wv\)|WhatsApp/i;

// Where the site's files start ("/" on the server; a relative path in the static site of `netral site`)
// and which of the two this is: the static site has no server (no counts, no names drawn in frames).
const ROOT = document.body.dataset.root || "/";
const STATIC_SITE = document.body.dataset.mode === "static";
// The static site built without a public address knows its own address only here.
const PAGE_URL_MARK = "__PAGE_URL__";

const studio = $("#studio");
const canvas = $("#canvas");
const ctx = canvas.getContext("2d");
const designs = JSON.parse(studio.dataset.designs);
const state = {
  agency: studio.dataset.agency ? JSON.parse(studio.dataset.agency) : null,
  // A reloaded page may keep the radios the person chose before.
  design: $("input[name=design]:checked")?.value || designs[0]?.name,
  format: $("input[name=format]:checked")?.value || "square",
  frame: null,
  photo: null, // { image, width, height, name }
  placement: { ...DEFAULT_PLACEMENT },
  resultUrl: null,
};
const inApp = IN_APP.test(navigator.userAgent);
let frameRequest = 0;
let drawPending = false;

const ui = {
  stageStatus: $("#stage-status"),
  photoMessage: $("#photo-message"),
  downloadStatus: $("#download-status"),
  copyStatus: $("#copy-status"),
  caption: $("#caption"),
  zoom: $("#zoom"),
  zoomRange: $("#zoom-range"),
  rotate: $("#rotate"),
  rotateRange: $("#rotate-range"),
  offsetX: $("#offset-x"),
  offsetY: $("#offset-y"),
  downloads: [$("#download-jpg"), $("#download-png")],
  share: $("#share"),
};

// Web Share API level 2: can this browser hand a picture file to the phone's share sheet?
function canShareFiles() {
  if (typeof navigator.share !== "function" || typeof navigator.canShare !== "function") return false;
  try {
    const probe = new File([new Uint8Array([0xff, 0xd8, 0xff])], "bingkai.jpg", { type: "image/jpeg" });
    return navigator.canShare({ files: [probe] });
  } catch {
    return false;
  }
}
const shareFiles = canShareFiles();

const smoothly = () => (matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth");

function currentWindow() {
  const design = designs.find((d) => d.name === state.design);
  return design.windows[state.format];
}

// -- drawing -------------------------------------------------------------------------------------

function draw() {
  drawPending = false;
  const win = currentWindow();
  if (!state.frame) return;
  if (state.photo) {
    const { image, width, height } = state.photo;
    drawFramed(ctx, image, width, height, state.frame, win, state.placement);
  } else {
    drawPlaceholder(ctx, state.frame, win);
  }
}

function scheduleDraw() {
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(draw);
  }
}

function updateReadiness() {
  const ready = Boolean(state.frame && state.photo);
  // For styles and tests: what the preview holds right now.
  studio.dataset.frame = state.frame ? "ready" : state.agency ? "loading" : "none";
  studio.dataset.photo = state.photo ? "ready" : "none";
  ui.downloads.forEach((button) => (button.disabled = !ready));
  ui.share.disabled = !ready;
  canvas.classList.toggle("interactive", Boolean(state.photo));
  if (!state.agency) say(ui.stageStatus, "Pilih instansi untuk melihat bingkainya.");
  else if (!state.frame) say(ui.stageStatus, "Memuat bingkai…");
  else if (!state.photo) say(ui.stageStatus, "Pilih foto untuk memasangnya di bingkai.");
  else say(ui.stageStatus, "");
  $("#canvas-box").classList.toggle("has-status", Boolean(ui.stageStatus.textContent));
}

async function loadFrame() {
  if (!state.agency) {
    updateReadiness();
    return;
  }
  const id = ++frameRequest;
  state.frame = null;
  updateReadiness();
  const design = designs.find((d) => d.name === state.design);
  const name = $("#person-name").value.trim();
  const url = frameUrl(state.design, state.agency.slug, state.format);
  const image = new Image();
  let objectUrl = null;
  let problem = navigator.onLine
    ? "Bingkai gagal dimuat. Periksa koneksi, lalu pilih ulang desainnya."
    : "Perangkat sedang tanpa sinyal dan bingkai ini belum tersimpan. Pakai bingkai yang pernah dibuka, atau coba lagi saat tersambung.";
  const personal = Boolean(design.personal && name);
  try {
    if (personal) {
      // A person's name and unit travel in the body of a POST, never in a URL (URLs land in logs and
      // caches); the answer is private and not stored.
      const form = new URLSearchParams({ name });
      const unit = $("#person-unit").value.trim();
      if (design.unit && unit) form.set("unit", unit);
      let response;
      try {
        response = await fetch(url, { method: "POST", body: form, credentials: "same-origin" });
      } catch {
        throw new Error(problem);
      }
      if (!response.ok) {
        let body = null;
        try {
          body = await response.json();
        } catch {
          body = null;
        }
        problem = (body && body.detail) || problem;
        throw new Error(problem);
      }
      objectUrl = URL.createObjectURL(await response.blob());
      image.src = objectUrl;
    } else {
      image.src = url;
    }
    await image.decode();
  } catch {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    if (id === frameRequest) {
      say(ui.stageStatus, problem);
      studio.dataset.frame = "error";
    }
    return;
  }
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  if (id !== frameRequest) return;
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  state.frame = image;
  updateReadiness();
  draw();
  // A frame without a name is the same for everyone: kept for use without signal (never a named one).
  keepForOffline(personal ? [] : [url]);
}

// The frame's address: /frames/<design>/<agency>.png?format=… on the server, a plain file
// frames/<design>/<format>/<agency>.png in the static site (a static host ignores queries).
function frameUrl(design, slug, format) {
  const d = encodeURIComponent(design);
  const a = encodeURIComponent(slug);
  if (STATIC_SITE) return `${ROOT}frames/${d}/${encodeURIComponent(format)}/${a}.png`;
  return `${ROOT}frames/${d}/${a}.png${format === "square" ? "" : `?format=${encodeURIComponent(format)}`}`;
}

// -- placement -----------------------------------------------------------------------------------

function setPlacement(next, { fromInput = null } = {}) {
  state.placement = clampPlacement(next);
  const p = state.placement;
  const fields = [
    [ui.zoom, p.zoom],
    [ui.rotate, p.rotate],
    [ui.offsetX, p.offsetX],
    [ui.offsetY, p.offsetY],
  ];
  for (const [input, value] of fields) {
    if (input !== fromInput) input.value = String(Math.round(value * 100) / 100);
  }
  ui.zoomRange.value = String(Math.log2(p.zoom));
  ui.zoomRange.setAttribute("aria-valuetext", `${formatDecimal(p.zoom)} kali`);
  const shown = ((((p.rotate + 180) % 360) + 360) % 360) - 180;
  ui.rotateRange.value = String(shown);
  ui.rotateRange.setAttribute("aria-valuetext", `${formatDecimal(p.rotate)} derajat`);
  scheduleDraw();
}

function readNumber(input) {
  const value = parseFloat(String(input.value).replace(",", "."));
  return Number.isFinite(value) ? value : null;
}

function bindNumber(input, key) {
  const apply = () => {
    const value = readNumber(input);
    if (value !== null) setPlacement({ ...state.placement, [key]: value }, { fromInput: input });
  };
  input.addEventListener("input", apply);
  input.addEventListener("change", () => {
    apply();
    setPlacement(state.placement); // show the clamped value
  });
}

bindNumber(ui.zoom, "zoom");
bindNumber(ui.rotate, "rotate");
bindNumber(ui.offsetX, "offsetX");
bindNumber(ui.offsetY, "offsetY");
ui.zoomRange.addEventListener("input", () => setPlacement({ ...state.placement, zoom: 2 ** Number(ui.zoomRange.value) }));
ui.rotateRange.addEventListener("input", () => setPlacement({ ...state.placement, rotate: Number(ui.rotateRange.value) }));
$("#zoom-in").addEventListener("click", () => zoomBy(1.1));
$("#zoom-out").addEventListener("click", () => zoomBy(1 / 1.1));
$("#rotate-left").addEventListener("click", () => setPlacement({ ...state.placement, rotate: state.placement.rotate - 90 }));
$("#rotate-right").addEventListener("click", () => setPlacement({ ...state.placement, rotate: state.placement.rotate + 90 }));
$("#reset").addEventListener("click", () => setPlacement({ ...DEFAULT_PLACEMENT }));

function zoomBy(ratio, qx = null, qy = null, turn = 0) {
  if (!state.photo) {
    setPlacement({ ...state.placement, zoom: state.placement.zoom * ratio });
    return;
  }
  const win = currentWindow();
  const x = qx ?? win.x + win.width / 2 + state.placement.offsetX * win.width;
  const y = qy ?? win.y + win.height / 2 + state.placement.offsetY * win.height;
  setPlacement(transformAbout(state.placement, win, state.photo.width, state.photo.height, x, y, ratio, turn));
}

// Pointer gestures on the preview: one finger or the mouse drags, two fingers pinch and turn.
const pointers = new Map();
let gesture = null;

function toOutput(clientX, clientY) {
  const rect = canvas.getBoundingClientRect();
  return [((clientX - rect.left) * canvas.width) / rect.width, ((clientY - rect.top) * canvas.height) / rect.height];
}

function gestureSnapshot() {
  const points = [...pointers.values()].map((p) => toOutput(p.x, p.y));
  if (points.length === 1) return { points, mid: points[0] };
  const [[ax, ay], [bx, by]] = points;
  return {
    points,
    mid: [(ax + bx) / 2, (ay + by) / 2],
    distance: Math.hypot(bx - ax, by - ay),
    angle: (Math.atan2(by - ay, bx - ax) * 180) / Math.PI,
  };
}

canvas.addEventListener("pointerdown", (event) => {
  if (!state.photo) return;
  canvas.setPointerCapture(event.pointerId);
  pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
  gesture = pointers.size <= 2 ? gestureSnapshot() : gesture;
  canvas.classList.add("dragging");
});

canvas.addEventListener("pointermove", (event) => {
  if (!pointers.has(event.pointerId) || !gesture) return;
  pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
  if (pointers.size > 2) return;
  const now = gestureSnapshot();
  if (now.points.length !== gesture.points.length) {
    gesture = now;
    return;
  }
  const win = currentWindow();
  let next = {
    ...state.placement,
    offsetX: state.placement.offsetX + (now.mid[0] - gesture.mid[0]) / win.width,
    offsetY: state.placement.offsetY + (now.mid[1] - gesture.mid[1]) / win.height,
  };
  if (now.points.length === 2 && gesture.distance > 0) {
    const turn = now.angle - gesture.angle;
    const wrapped = ((turn + 540) % 360) - 180;
    next = transformAbout(next, win, state.photo.width, state.photo.height, now.mid[0], now.mid[1],
      now.distance / gesture.distance, wrapped);
  }
  gesture = now;
  setPlacement(next);
});

function endPointer(event) {
  pointers.delete(event.pointerId);
  gesture = pointers.size ? gestureSnapshot() : null;
  if (!pointers.size) canvas.classList.remove("dragging");
}
canvas.addEventListener("pointerup", endPointer);
canvas.addEventListener("pointercancel", endPointer);

canvas.addEventListener("wheel", (event) => {
  if (!state.photo) return;
  event.preventDefault();
  const [x, y] = toOutput(event.clientX, event.clientY);
  const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
  zoomBy(Math.exp(-delta * 0.0015), x, y);
}, { passive: false });

canvas.addEventListener("keydown", (event) => {
  if (!state.photo) return;
  const step = event.shiftKey ? 0.05 : 0.01;
  const p = state.placement;
  const actions = {
    ArrowLeft: () => setPlacement({ ...p, offsetX: p.offsetX - step }),
    ArrowRight: () => setPlacement({ ...p, offsetX: p.offsetX + step }),
    ArrowUp: () => setPlacement({ ...p, offsetY: p.offsetY - step }),
    ArrowDown: () => setPlacement({ ...p, offsetY: p.offsetY + step }),
    "+": () => zoomBy(1.05),
    "=": () => zoomBy(1.05),
    "-": () => zoomBy(1 / 1.05),
    "[": () => setPlacement({ ...p, rotate: p.rotate - (event.shiftKey ? 15 : 1) }),
    "]": () => setPlacement({ ...p, rotate: p.rotate + (event.shiftKey ? 15 : 1) }),
    "0": () => setPlacement({ ...DEFAULT_PLACEMENT }),
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

// -- the photo -----------------------------------------------------------------------------------

async function isHeic(file) {
  if (/image\/hei[cf]/i.test(file.type) || /\.(heic|heif|hif)$/i.test(file.name)) return true;
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const text = String.fromCharCode(...head.slice(4, 12));
  return /^ftyp(heic|heix|hevc|heim|heis|mif1|msf1)/.test(text);
}

async function decodeWithImageElement(file) {
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode(); // <img> applies EXIF orientation too (CSS image-orientation: from-image)
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// File -> { image, width, height }: upright (EXIF orientation applied) and small enough to draw.
async function decodePhoto(file) {
  let image;
  try {
    image = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    image = await decodeWithImageElement(file);
  }
  const width = image.naturalWidth || image.width;
  const height = image.naturalHeight || image.height;
  const k = Math.min(1, MAX_SIDE / Math.max(width, height), Math.sqrt(MAX_PIXELS / (width * height)));
  if (k >= 1) return { image, width, height };
  const w = Math.max(1, Math.round(width * k));
  const h = Math.max(1, Math.round(height * k));
  let small;
  try {
    small = await createImageBitmap(image, { resizeWidth: w, resizeHeight: h, resizeQuality: "high" });
  } catch {
    small = document.createElement("canvas");
    small.width = w;
    small.height = h;
    const c = small.getContext("2d");
    c.imageSmoothingQuality = "high";
    c.drawImage(image, 0, 0, w, h);
  }
  if (image.close) image.close();
  return { image: small, width: w, height: h, reduced: true };
}

async function usePhoto(file) {
  say(ui.photoMessage, "");
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) {
    say(ui.photoMessage, "Foto ini lebih dari 40 MB. Pilih foto yang lebih kecil atau ambil tangkapan layarnya.");
    return;
  }
  say(ui.stageStatus, "Membuka foto…");
  let photo;
  try {
    photo = await decodePhoto(file);
  } catch {
    const heic = await isHeic(file).catch(() => false);
    say(ui.photoMessage, heic
      ? "Browser ini tidak dapat membuka foto HEIC. Di iPhone, buka halaman ini di Safari, atau ubah Pengaturan → Kamera → Format ke “Paling Kompatibel”, atau bagikan foto itu sebagai JPEG lalu pilih lagi."
      : "Berkas ini tidak dapat dibuka sebagai foto. Pilih foto JPEG, PNG atau WebP.");
    updateReadiness();
    return;
  }
  if (state.photo?.image?.close) state.photo.image.close();
  state.photo = { ...photo, name: file.name };
  setPlacement({ ...DEFAULT_PLACEMENT });
  updateReadiness();
  say(ui.downloadStatus, photo.reduced ? "Foto besar diperkecil di perangkat Anda agar lancar; hasilnya tetap tajam." : "");
  draw();
  // On a phone the preview sits below the photo step: bring it into view.
  if (canvas.getBoundingClientRect().top > window.innerHeight * 0.6) {
    $("#canvas-box").scrollIntoView({ behavior: smoothly(), block: "start" });
  }
}

for (const input of [$("#photo"), $("#camera")]) {
  input.addEventListener("change", () => {
    usePhoto(input.files[0]);
    input.value = ""; // choosing the same file again still works
  });
}

const drop = $("#drop");
for (const target of [drop, $("#canvas-box")]) {
  target.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  target.addEventListener("dragleave", () => drop.classList.remove("over"));
  target.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = [...(event.dataTransfer?.files || [])][0];
    if (file) usePhoto(file);
  });
}

// -- agency, design, format ----------------------------------------------------------------------

async function chooseAgency(agency) {
  if (STATIC_SITE) {
    // Each agency has its own page in the static site, with its caption and links.
    location.assign(`${ROOT}t/${encodeURIComponent(agency.slug)}/`);
    return;
  }
  state.agency = agency;
  studio.dataset.pageUrl = "";
  $("#agency-name").textContent = agency.name;
  $("#agency-chosen").hidden = false;
  $("#agency-picker").hidden = true;
  if ($("#participation").dataset.agency !== agency.slug) loadCount(agency);
  history.replaceState(null, "", `${ROOT}t/${agency.slug}`);
  document.title = `Bingkai foto ${agency.short_name} — ASN PILIH NETRAL`;
  $("#copy-caption").disabled = true;
  $("#copy-link").disabled = false;
  loadFrame();
  try {
    const body = await fetchJSON(`${ROOT}api/v1/agencies/${encodeURIComponent(agency.slug)}`);
    if (state.agency?.slug === agency.slug) {
      ui.caption.value = body.caption;
      $("#copy-caption").disabled = false;
      studio.dataset.pageUrl = body.page_url;
      for (const target of body.share || []) {
        const link = $(`#share-links [data-share="${target.id}"]`);
        if (link) link.href = target.href;
      }
      $("#share-links").hidden = false;
    }
  } catch (error) {
    ui.caption.value = "";
    say(ui.copyStatus, error.message);
  }
}

// The static site searches its own list of agencies (agencies.json), loaded once, in the browser.
let staticAgencies = null;
async function searchStatic(query, limit) {
  staticAgencies = staticAgencies || fetchJSON(`${ROOT}agencies.json`).then((body) => body.agencies);
  let all;
  try {
    all = await staticAgencies;
  } catch (error) {
    staticAgencies = null;
    throw error;
  }
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const words = fold(query).split(/\s+/).filter(Boolean);
  const hits = all.filter((a) => words.every((w) => fold(`${a.name} ${a.short_name} ${a.code || ""}`).includes(w)));
  hits.sort((a, b) => a.name.length - b.name.length || a.name.localeCompare(b.name, "id"));
  return hits.slice(0, limit);
}

const search = agencySearch($("[data-combo]"), chooseAgency, STATIC_SITE ? searchStatic : undefined);
$("#agency-change").addEventListener("click", () => {
  $("#agency-picker").hidden = false;
  $("#agency-chosen").hidden = true;
  search.input.value = "";
  search.focus();
});

function showPersonFields() {
  const design = designs.find((d) => d.name === state.design);
  $("#person").hidden = !design.personal;
  $("#person-unit-field").hidden = !design.unit;
}

$$("input[name=design]").forEach((radio) => radio.addEventListener("change", () => {
  state.design = radio.value;
  showPersonFields();
  loadFrame();
}));
const reloadFrame = debounce(loadFrame, 500);
$("#person-name").addEventListener("input", reloadFrame);
$("#person-unit").addEventListener("input", reloadFrame);
$$("input[name=format]").forEach((radio) => radio.addEventListener("change", () => {
  state.format = radio.value;
  loadFrame();
}));

// -- download and share --------------------------------------------------------------------------

function fileName(ext) {
  const story = state.format === "story" ? "-story" : "";
  return `twibbon-${state.agency.slug}-${state.design}${story}.${ext}`;
}

// The framed picture as it is previewed now (what is saved or shared is exactly the preview).
async function pictureBlob(type) {
  draw();
  return new Promise((resolve) => canvas.toBlob(resolve, type, 0.9));
}

// One framed picture made: counted on the server per agency, design, format, action and day, nothing
// else (no photo, no name). Failures are silent: counting never gets in the person's way.
function count(action) {
  // The static site has no server to count on; without signal the count is skipped (never queued).
  if (!state.agency || STATIC_SITE || !navigator.onLine) return;
  const body = JSON.stringify({ agency: state.agency.slug, design: state.design, format: state.format, action });
  fetch(`${ROOT}api/v1/events`, { method: "POST", headers: { "Content-Type": "application/json" }, body, keepalive: true })
    .then((response) => { if (response.ok) showCount(); })
    .catch(() => {});
}

function renderCount(agency, made) {
  const line = $("#participation");
  line.dataset.agency = agency.slug;
  line.dataset.count = String(made);
  if (made) {
    const figure = document.createElement("strong");
    figure.textContent = new Intl.NumberFormat("id-ID").format(made);
    line.replaceChildren(figure, ` bingkai telah dibuat untuk ${agency.name}.`);
  } else {
    line.replaceChildren(`Belum ada bingkai yang dibuat untuk ${agency.name}. Jadilah yang pertama.`);
  }
  line.hidden = false;
}

// The count of an agency chosen on the page (the agency page itself arrives with its count).
async function loadCount(agency) {
  $("#participation").hidden = true;
  try {
    const body = await fetchJSON(`${ROOT}api/v1/stats/participation?agency=${encodeURIComponent(agency.slug)}`);
    if (state.agency?.slug === agency.slug) renderCount(agency, body.frames);
  } catch {
    // The count is a nicety: without it the page works the same.
  }
}

function showCount() {
  const line = $("#participation");
  if (line.dataset.agency !== state.agency.slug) return;
  renderCount(state.agency, Number(line.dataset.count || 0) + 1);
}

async function download(type, ext) {
  if (!state.frame || !state.photo) return;
  const blob = await pictureBlob(type);
  if (!blob) {
    say(ui.downloadStatus, "Gambar gagal dibuat di perangkat ini. Coba PNG, atau foto yang lebih kecil.");
    return;
  }
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = URL.createObjectURL(blob);
  $("#result-img").src = state.resultUrl;
  $("#result").hidden = false;
  count("download");
  if (inApp) {
    say(ui.downloadStatus, "Tekan lama gambar di bawah, lalu pilih Simpan gambar.");
    $("#result").scrollIntoView({ behavior: smoothly(), block: "center" });
    return;
  }
  const link = document.createElement("a");
  link.href = state.resultUrl;
  link.download = fileName(ext);
  document.body.append(link);
  link.click();
  link.remove();
  say(ui.downloadStatus, `${fileName(ext)} diunduh. Gambar hasilnya juga ada di bawah.`);
}

// Share the picture file itself; the caption goes to the clipboard first, because files and text in
// one share are unreliable (iOS in-app browsers drop one of them).
async function sharePicture() {
  if (!state.frame || !state.photo) return;
  const blob = await pictureBlob("image/jpeg");
  if (!blob) {
    say(ui.downloadStatus, "Gambar gagal dibuat di perangkat ini. Coba PNG, atau foto yang lebih kecil.");
    return;
  }
  const file = new File([blob], fileName("jpg"), { type: "image/jpeg" });
  const copied = ui.caption.value ? await copyText(ui.caption.value) : false;
  if (!navigator.canShare({ files: [file] })) {
    await download("image/jpeg", "jpg");
    return;
  }
  try {
    await navigator.share({ files: [file] });
    count("share");
    say(ui.downloadStatus, copied
      ? "Gambar dibagikan. Caption sudah disalin: tempelkan sebagai keterangan."
      : "Gambar dibagikan. Salin caption di bawah untuk keterangannya.");
  } catch (error) {
    if (error?.name === "AbortError") {
      say(ui.downloadStatus, "Berbagi dibatalkan. Gambar tetap bisa diunduh.");
    } else {
      say(ui.downloadStatus, "Berbagi tidak berhasil di perangkat ini. Unduh gambarnya, lalu unggah dari galeri.");
    }
  }
}

ui.share.addEventListener("click", sharePicture);
ui.downloads[0].addEventListener("click", () => download("image/jpeg", "jpg"));
ui.downloads[1].addEventListener("click", () => download("image/png", "png"));

$("#copy-caption").addEventListener("click", async () => {
  const ok = await copyText(ui.caption.value, ui.caption);
  say(ui.copyStatus, ok ? "Caption disalin. Tempelkan saat mengunggah foto." : "Salin gagal; pilih teks caption lalu salin manual.");
});
$("#copy-link").addEventListener("click", async () => {
  const url = studio.dataset.pageUrl && state.agency ? studio.dataset.pageUrl : location.href;
  const ok = await copyText(url);
  say(ui.copyStatus, ok ? "Tautan disalin. Bagikan ke rekan satu instansi." : url);
});

// -- without signal --------------------------------------------------------------------------------

// The service worker keeps the page, its files and the last frames used (sw.js). On the first visit
// it starts after the page has loaded, so the page names what to keep: its own address and its frame.
// Nothing else is ever sent to it; the photo stays in this page.
const worker = "serviceWorker" in navigator && window.isSecureContext ? navigator.serviceWorker : null;

function keepForOffline(urls) {
  if (!worker || !state.agency) return;
  worker.ready.then((registration) => {
    const manifest = $("link[rel=manifest]")?.href;
    const absolute = urls.map((url) => new URL(url, location.href).href); // the static site's are relative
    registration.active?.postMessage({ type: "keep", urls: [location.href, ...(manifest ? [manifest] : []), ...absolute] });
  }).catch(() => {});
}

if (worker) {
  worker.addEventListener("message", (event) => {
    if (event.data?.type === "kept") document.documentElement.dataset.offline = "ready";
  });
  worker.register(`${ROOT}sw.js`, { scope: ROOT }).catch(() => {
    // Without a worker the page works the same, only not without signal.
  });
}

// Without signal the page says so (and that it still works); the note goes when the signal is back.
const showSignal = () => {
  $("#offline-note").hidden = navigator.onLine;
};
window.addEventListener("online", showSignal);
window.addEventListener("offline", showSignal);
showSignal();

// The static site without a public address: the page's address is where it was opened.
if (STATIC_SITE && (studio.dataset.pageUrl || "").includes(PAGE_URL_MARK)) {
  const here = location.href.split(/[?#]/)[0].replace(/index\.html$/, "");
  studio.dataset.pageUrl = here;
  ui.caption.textContent = ui.caption.textContent.split(PAGE_URL_MARK).join(here);
  ui.caption.value = ui.caption.textContent;
  for (const link of $$("#share-links a")) {
    link.href = link.href.split(PAGE_URL_MARK).join(encodeURIComponent(here));
  }
}

// -- start ---------------------------------------------------------------------------------------

// Where the phone shares files, Bagikan is the main action and downloading the second one.
studio.dataset.share = shareFiles ? "files" : "links";
$("#share-box").hidden = !shareFiles;
if (shareFiles) ui.downloads[0].classList.remove("primary");
if (inApp) {
  $("#inapp-note").hidden = false;
  $("#result-hint").classList.add("emphasis");
}
setPlacement({ ...DEFAULT_PLACEMENT });
showPersonFields();
updateReadiness();
loadFrame();
