// Multipart uploads (舆情报送, import, attachments) with the session's CSRF token; answers and
// refusals as common.js's api() gives them.

import { ApiFailure, api, el, toLogin } from "./common.js";

let token = null;

async function csrf() {
  if (!token) token = (await api("/api/auth/me")).csrf_token;
  return token;
}

export async function upload(path, form) {
  const response = await fetch(path, {
    method: "POST", body: form, credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRF-Token": await csrf() },
  });
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (response.status === 401) toLogin();
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

export function sizeText(bytes) {
  const n = Number(bytes) || 0;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} 字节`;
}

export const ACCEPT = "image/png,image/jpeg,image/gif,image/webp,application/pdf,.docx,.xlsx";

// a one-time id per form: the same form sent twice reports one item
export function formToken() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The browser draws a file input in its own language ("Choose Files", "No file chosen"): the
// input stays (forms, labels and keyboards use it) but is drawn by us, in Chinese.
const NONE_CHOSEN = "未选择文件";

function chosen(input) {
  return input.files && input.files.length ? [...input.files].map((f) => f.name).join("、") : NONE_CHOSEN;
}

export function filePicker(input) {
  const names = el("span", { class: "file-names muted" }, chosen(input));
  const button = el("button", { type: "button", class: "file-button" }, "选择文件");
  const box = el("span", { class: "file-picker" });
  if (input.parentNode) input.parentNode.replaceChild(box, input);
  input.classList.add("file-native");
  box.append(input, button, names);
  button.addEventListener("click", () => input.click());
  const update = () => { names.textContent = chosen(input); };
  input.addEventListener("change", update);
  // form.reset() empties it; the form exists once the caller's el(...) tree is built
  queueMicrotask(() => input.form?.addEventListener("reset", () => setTimeout(update)));
  return box;
}
