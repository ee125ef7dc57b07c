// 督办单 as documents on the incident page (mounted on #supervision-docs): 文号, 签收 by the
// supervised unit (which also claims a 待认领 incident), the A4 print view, and the files of the
// answer. incident.js draws the notices and the answer form; this adds the document's parts.

import { api, el, errorText, fmtTime, list, show, whoami } from "./common.js";
import { ACCEPT, filePicker, upload } from "./upload.js";

const incidentId = Number(location.pathname.split("/").filter(Boolean).pop());
const root = document.getElementById("supervision-docs");
let user = null;

function changed(message) {
  show(document.getElementById("supervision-error"), "");
  show(document.getElementById("supervision-ok"), message);
  document.dispatchEvent(new CustomEvent("yuqing:changed"));
}

function failed(heading, err) {
  show(document.getElementById("supervision-ok"), "");
  show(document.getElementById("supervision-error"), `${heading}失败：${errorText(err)}`);
}

function signButton(n) {
  const button = el("button", { type: "button", class: "primary small-button", "data-role": "sign" }, "签收");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api(`/api/supervision/${Number(n.id)}/sign`, { method: "POST" });
      changed(`签收督办单 ${n.doc_no || `#${n.id}`}：已签收`);
    } catch (err) {
      failed("签收", err);
      button.disabled = false;
    }
  });
  return button;
}

function filesForm(n) {
  const id = `f-notice-files-${n.id}`;
  const input = el("input", { id, type: "file", multiple: true, accept: ACCEPT, name: "files" });
  const form = el("form", { "data-role": "notice-files" },
    el("label", { for: id, class: "small muted" }, "反馈附件"), filePicker(input),
    el("button", { type: "submit", class: "small-button" }, "上传"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!input.files.length) return;
    const body = new FormData();
    for (const file of input.files) body.append("files", file, file.name);
    try {
      await upload(`/api/supervision/${Number(n.id)}/attachments`, body);
      form.reset();
      changed(`督办单 ${n.doc_no || `#${n.id}`} 附件：已上传`);
    } catch (err) {
      failed("上传附件", err);
    }
  });
  return form;
}

function line(n) {
  const supervised = user && user.unit && list(n.units).includes(user.unit);
  const signed = n.signed_at
    ? el("span", { class: "status st-responded", "data-role": "signed" }, `已签收 ${n.signed_unit || ""} ${fmtTime(n.signed_at)}`)
    : el("span", { class: "status st-unclaimed", "data-role": "signed" }, "待签收");
  return el("div", { class: "doc-line", "data-notice-id": n.id },
    el("span", { class: "doc-no", "data-role": "doc-no" }, n.doc_no || `督办单 #${n.id}`), signed,
    el("a", { href: `/supervision/${Number(n.id)}/print`, target: "_blank", rel: "noopener", "data-role": "print" }, "打印督办单"),
    n.may_sign ? signButton(n) : null,
    supervised && n.signed_at ? filesForm(n) : null); // el() leaves out the nulls
}

async function refresh() {
  if (!root) return;
  try {
    const data = await api(`/api/incidents/${incidentId}/supervision`);
    const notices = list(data.notices);
    // only what a line shows: an answer or a live push must not rebuild it under a half-chosen file
    const key = JSON.stringify(notices.map((n) => [n.id, n.doc_no, n.signed_at, n.signed_unit, n.may_sign, n.units]));
    if (root.dataset.key === key) return;
    root.dataset.key = key;
    root.replaceChildren(...notices.map(line));
  } catch { /* the panel's own error shows what incident.js could not load */ }
}

async function main() {
  user = await whoami();
  if (!user) return;
  document.addEventListener("yuqing:loaded", refresh);
  refresh();
}

main();
