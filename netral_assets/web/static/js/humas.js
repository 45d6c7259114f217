// The humas page: agency (registry or typed), optional logo, parts, designs and formats, and the
// agency's own leader's message and announcement (each with a live preview rendered by the server)
// -> a kit job on the server, its progress, then the ZIP and thumbnails of what it holds.

import { $, $$, agencySearch, debounce, fetchJSON, formatBytes, say } from "./common.js";

const form = $("#kit-form");
const error = $("#kit-error");
const progress = $("#progress");
const bar = $("#progress-bar");
const progressText = $("#progress-text");
const done = $("#kit-done");
const build = $("#build");
let logoUrl = null;

// -- who -----------------------------------------------------------------------------------------

agencySearch($("[data-combo]"), (agency) => {
  $("#agency-slug").value = agency.slug;
  $("#agency-name").textContent = agency.name;
  $("#agency-chosen").hidden = false;
  refreshPreviews();
});
$("#agency-search").addEventListener("input", () => {
  $("#agency-slug").value = "";
  $("#agency-chosen").hidden = true;
});

function mode() {
  return $("input[name=mode]:checked").value;
}
$$("input[name=mode]").forEach((radio) => radio.addEventListener("change", () => {
  $("#mode-registry").hidden = mode() !== "registry";
  $("#mode-custom").hidden = mode() !== "custom";
  refreshPreviews();
}));
$("#custom-name").addEventListener("input", debounce(() => refreshPreviews(), 600));

// -- logo ----------------------------------------------------------------------------------------

const logoInput = $("#logo");
logoInput.addEventListener("change", () => {
  const file = logoInput.files[0];
  if (logoUrl) URL.revokeObjectURL(logoUrl);
  logoUrl = file ? URL.createObjectURL(file) : null;
  $("#logo-img").src = logoUrl || "";
  $("#logo-img").hidden = !file;
  $("#logo-default").hidden = Boolean(file);
  $("#logo-clear").hidden = !file;
  $("#logo-hint").dataset.name = file ? file.name : "";
});
$("#logo-clear").addEventListener("click", () => {
  logoInput.value = "";
  logoInput.dispatchEvent(new Event("change"));
  logoInput.focus();
});

// -- what ----------------------------------------------------------------------------------------

function syncParts() {
  const chosen = new Set($$("input[name=parts]:checked").map((box) => box.value));
  $$("fieldset[data-part]").forEach((set) => (set.disabled = !chosen.has(set.dataset.part)));
}
$$("input[name=parts]").forEach((box) => box.addEventListener("change", syncParts));
syncParts();
// The choices are long on a phone: open them by default only where there is room.
if (window.matchMedia("(min-width: 960px)").matches) $("#customize").open = true;

// -- the agency's own messages -------------------------------------------------------------------
// Each message form previews itself: its fields go to the server (POST /api/v1/kit/messages/preview)
// a moment after the last change, and the feed poster comes back as a small JPEG. A picture is
// shrunk in the browser first (upright, at most 1600 px, re-encoded: no metadata leaves the phone
// and a preview sends ~0.3 MB); the server checks it again, and keeps nothing.

const MAX_SIDE = 1600;
const PREVIEW_URL = "/api/v1/kit/messages/preview";
const pictures = new Map(); // field name ("pesan.photo") -> the Blob sent for it

async function shrink(file) {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
    return blob || file;
  } catch {
    return file; // a format this browser cannot decode (HEIC on most): the server decodes it
  }
}

function countChars(field) {
  const counter = $(`.counter[data-for="${field.id}"]`);
  if (!counter) return;
  const limit = Number(field.dataset.limit);
  const n = field.value.trim().replace(/\s+/g, " ").length;
  counter.textContent = n > limit ? `${n} dari ${limit} karakter: kelebihan ${n - limit}` : `${n} dari ${limit} karakter`;
  counter.classList.toggle("over", n > limit);
}

function messagePanel(panel) {
  const design = panel.dataset.design;
  const toggle = $(`input[name=messages][value="${design}"]`);
  const image = $(`#${design}-preview`);
  const figure = image.closest("figure");
  const status = $(`#${design}-status`);
  const problem = $(`#${design}-error`);
  const focusOn = $(`#${design}-focus-on`);
  const example = { src: image.src, alt: image.alt, status: status.textContent };
  let shown = null;
  let controller = null;
  let sequence = 0;

  const value = (key) => ($(`[name="${design}.${key}"]`, panel)?.value || "").trim();
  const bodyMode = () => $(`input[name="${design}.mode"]:checked`, panel)?.value === "body";

  function ready() {
    if (design === "pesan") return pictures.has("pesan.photo") && value("name") && value("title") && value("quote");
    return Boolean(value("headline"));
  }

  // This form's fields, as the server reads them ("pesan.quote", repeated "pengumuman.points", …).
  function fields(data) {
    for (const input of $$("input[name], textarea[name]", panel)) {
      const name = input.name;
      if (input.type === "file" || input.type === "radio" || input.disabled) continue;
      if (input.closest(".field[hidden]")) continue;
      if (input.value.trim()) data.append(name, input.value);
    }
    for (const [name, blob] of pictures) {
      if (name.startsWith(`${design}.`)) data.append(name, blob, blob.name || `${name.split(".")[1]}.jpg`);
    }
    return data;
  }

  // The field a refusal names ("kolom kutipan (quote) …", "poin (points[2])") is marked invalid and
  // points at the message, so a screen reader hears why when it reaches the field.
  function markInvalid(detail) {
    $$("[aria-invalid]", panel).forEach((field) => {
      field.removeAttribute("aria-invalid");
      field.setAttribute("aria-describedby", (field.getAttribute("aria-describedby") || "").replace(` ${problem.id}`, ""));
    });
    const named = /\((\w+)(?:\[(\d+)\])?\)/.exec(detail || "");
    if (!named) return;
    const fields = $$(`[name="${design}.${named[1]}"]`, panel).filter((field) => !field.closest(".field[hidden]"));
    const field = named[2] ? fields.filter((f) => f.value.trim())[Number(named[2]) - 1] : fields[0];
    if (!field || field.type === "file") return;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") || ""} ${problem.id}`.trim());
  }

  function showExample() {
    if (shown) URL.revokeObjectURL(shown);
    shown = null;
    image.src = example.src;
    image.alt = example.alt;
    image.dataset.state = "example";
    figure.classList.add("example");
    figure.classList.remove("stale");
    status.textContent = example.status;
  }

  async function preview() {
    if (!toggle.checked) return;
    if (controller) controller.abort();
    if (!ready()) {
      say(problem, "");
      showExample();
      return;
    }
    controller = new AbortController();
    const id = ++sequence;
    figure.classList.add("busy");
    const data = fields(new FormData());
    data.append("design", design);
    if (mode() === "registry" && $("#agency-slug").value) data.append("agency", $("#agency-slug").value);
    if (mode() === "custom" && $("#custom-name").value.trim()) data.append("name", $("#custom-name").value);
    try {
      const response = await fetch(PREVIEW_URL, { method: "POST", body: data, signal: controller.signal, credentials: "same-origin" });
      if (id !== sequence) return;
      if (!response.ok) {
        let detail = "";
        try {
          detail = (await response.json()).detail;
        } catch {
          detail = "";
        }
        say(problem, detail || `Pratinjau gagal dibuat (kode ${response.status}). Coba lagi.`);
        markInvalid(detail);
        figure.classList.add("stale");
        image.dataset.state = "refused";
        status.textContent = "Pratinjau belum diperbarui: perbaiki isian yang disebut di atas.";
        return;
      }
      const blob = await response.blob();
      if (id !== sequence) return;
      if (shown) URL.revokeObjectURL(shown);
      shown = URL.createObjectURL(blob);
      image.src = shown;
      image.alt = design === "pesan"
        ? `Pratinjau poster pesan pimpinan: ${value("name")}, ${value("title")}: “${value("quote")}”`
        : `Pratinjau poster pengumuman: ${value("headline")}`;
      image.dataset.state = "ready";
      figure.classList.remove("example", "stale");
      say(problem, "");
      markInvalid("");
      status.textContent = "Pratinjau diperbarui (format feed). Format lain mengikuti pilihan format poster.";
    } catch (failure) {
      if (failure.name === "AbortError") return;
      say(problem, "Tidak dapat terhubung ke server untuk membuat pratinjau. Periksa koneksi, lalu coba lagi.");
      figure.classList.add("stale");
    } finally {
      if (id === sequence) figure.classList.remove("busy");
    }
  }

  const schedule = debounce(preview, 450);

  toggle.addEventListener("change", () => {
    panel.hidden = !toggle.checked;
    toggle.setAttribute("aria-expanded", String(toggle.checked));
    if (toggle.checked) preview();
  });
  $$("[data-limit]", panel).forEach((field) => {
    countChars(field);
    field.addEventListener("input", () => countChars(field));
  });
  panel.addEventListener("input", (event) => {
    if (event.target.type !== "file") schedule();
  });
  for (const input of $$("input[type=file]", panel)) {
    const thumb = $(`#${input.id}-thumb`);
    const clear = $(`#${input.id}-clear`);
    input.addEventListener("change", async () => {
      const file = input.files[0];
      if (thumb.src.startsWith("blob:")) URL.revokeObjectURL(thumb.src);
      if (!file) {
        pictures.delete(input.name);
        thumb.hidden = true;
        thumb.removeAttribute("src");
      } else {
        const blob = await shrink(file);
        pictures.set(input.name, blob);
        thumb.src = URL.createObjectURL(blob);
        thumb.hidden = false;
      }
      if (clear) clear.hidden = !file;
      preview();
    });
    if (clear) {
      clear.addEventListener("click", () => {
        input.value = "";
        input.dispatchEvent(new Event("change"));
        input.focus();
      });
    }
  }
  focusOn.addEventListener("change", () => {
    $$("input[type=range]", panel).forEach((range) => (range.disabled = !focusOn.checked));
    schedule();
  });
  function syncMode() {
    $$(".field[data-group=points]", panel).forEach((field) => (field.hidden = bodyMode()));
    $$(".field[data-group=body]", panel).forEach((field) => (field.hidden = !bodyMode()));
  }
  $$(`input[name="${design}.mode"]`, panel).forEach((radio) => radio.addEventListener("change", () => {
    syncMode();
    schedule();
  }));
  syncMode();
  if (toggle.checked) {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
  }
  return { design, toggle, fields, refresh: () => toggle.checked && schedule() };
}

const panels = $$(".msg-panel").map(messagePanel);

function refreshPreviews() {
  panels.forEach((panel) => panel.refresh());
}

// -- build ---------------------------------------------------------------------------------------

function formData() {
  const data = new FormData(form);
  data.delete("mode");
  if (mode() === "registry") data.delete("name");
  else data.delete("agency");
  if (!logoInput.files.length) data.delete("logo");
  // The messages go as their panels send them (shrunk pictures, only the chosen fields).
  const keys = new Set([...data.keys()].filter((key) => key === "messages" || panels.some((p) => key.startsWith(`${p.design}.`))));
  keys.forEach((key) => data.delete(key));
  for (const panel of panels) {
    if (!panel.toggle.checked) continue;
    data.append("messages", panel.design);
    panel.fields(data);
  }
  return data;
}

function check() {
  if (mode() === "registry" && !$("#agency-slug").value) return "Pilih instansi dari hasil pencarian terlebih dahulu.";
  if (mode() === "custom" && !$("#custom-name").value.trim()) return "Tulis nama instansi terlebih dahulu.";
  const parts = $$("input[name=parts]:checked").map((box) => box.value);
  if (!parts.length) return "Pilih minimal satu bagian kit.";
  for (const part of parts) {
    const designs = $$(`input[name=designs][value^="${part}/"]`);
    if (designs.length && !designs.some((box) => box.checked)) return `Pilih minimal satu desain untuk bagian ${part}.`;
    const formats = $$(`input[name=${part}_formats]`);
    if (formats.length && !formats.some((box) => box.checked)) return `Pilih minimal satu format ${part}.`;
  }
  return "";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function showProgress(job) {
  const percent = Math.round((100 * job.done) / Math.max(1, job.total));
  bar.value = percent;
  const step = job.state === "queued" ? "Menunggu giliran" : job.step_title || "Menyiapkan";
  const file = job.file ? `: ${job.file}` : "";
  progressText.textContent = `${step}${file} (${Math.min(job.done + 1, job.total)} dari ${job.total})`;
}

function showFiles(job) {
  const list = $("#kit-files");
  list.replaceChildren();
  for (const file of job.files) {
    const item = document.createElement("li");
    item.className = "file";
    if (file.thumbnail) {
      const img = document.createElement("img");
      img.loading = "lazy";
      img.alt = "";
      img.src = `/api/v1/kit/jobs/${job.id}/thumbs/${encodeURIComponent(file.path)}`;
      item.append(img);
    } else {
      const badge = document.createElement("span");
      badge.className = "file-badge";
      badge.textContent = file.path.split(".").pop().toUpperCase();
      item.append(badge);
    }
    const name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.path;
    const meta = document.createElement("span");
    meta.className = "file-meta";
    meta.textContent = formatBytes(file.bytes);
    item.append(name, meta);
    if (file.findings.length) {
      const warn = document.createElement("span");
      warn.className = "file-warning";
      warn.textContent = `Periksa: ${file.findings.join("; ")}`;
      item.append(warn);
    }
    list.append(item);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  say(error, "");
  done.hidden = true;
  const problem = check();
  if (problem) {
    say(error, problem);
    return;
  }
  build.disabled = true;
  progress.hidden = false;
  bar.value = 0;
  progressText.textContent = "Mengirim permintaan…";
  try {
    const data = formData();
    const url = data.has("messages") ? "/api/v1/kit/messages/jobs" : "/api/v1/kit/jobs";
    let job = await fetchJSON(url, { method: "POST", body: data });
    while (job.state === "queued" || job.state === "running") {
      showProgress(job);
      await sleep(400);
      job = await fetchJSON(job.status_url);
    }
    if (job.state !== "done") throw new Error(job.error || "Kit gagal dibuat. Coba lagi.");
    bar.value = 100;
    progressText.textContent = "Kit selesai dibuat.";
    const link = $("#kit-download");
    link.href = job.zip_url;
    link.download = job.zip_name;
    link.textContent = `Unduh ZIP (${formatBytes(job.zip_bytes)})`;
    const flagged = job.files.filter((f) => f.findings.length).length;
    $("#kit-summary").textContent = `${job.files.length} berkas untuk ${job.agency.name}, ditambah caption.txt dan manifest.json.` +
      (flagged ? ` ${flagged} berkas perlu diperiksa (lihat tanda di bawah).` : "") + " ZIP disimpan di server selama 15 menit.";
    showFiles(job);
    done.hidden = false;
    link.focus();
  } catch (failure) {
    progress.hidden = true;
    say(error, failure.message);
  } finally {
    build.disabled = false;
  }
});
