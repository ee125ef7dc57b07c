// 附件 on the incident page (mounted on #attachments-panel): the files of its items (舆情报送),
// responses and 督办单 answers, as downloads; the responding unit adds files to its responses.

import { api, el, errorText, fmtTime, list, show, whoami } from "./common.js";
import { ACCEPT, filePicker, sizeText, upload } from "./upload.js";

const incidentId = Number(location.pathname.split("/").filter(Boolean).pop());
const root = document.getElementById("attachments-panel");
const OWNER = { item: "报送信息", response: "回应", notice: "督办单反馈" };
const RESPONSE_KIND = { response: "回应", info: "跟进发布", result: "调查结果" };

function row(a) {
  return el("li", { "data-attachment-id": a.id, "data-owner": a.owner },
    el("a", { href: a.url, download: a.filename }, a.filename), " ",
    el("span", { class: "muted small" }, `${OWNER[a.owner] || a.owner} · ${sizeText(a.size)} · ${a.uploaded_by} ${fmtTime(a.at)}`));
}

function form(responses) {
  const select = el("select", { id: "f-att-response", name: "response" },
    ...responses.map((r) => el("option", { value: r.id }, `${RESPONSE_KIND[r.kind] || r.kind} ${fmtTime(r.at)}`)));
  const input = el("input", { id: "f-att-files", type: "file", multiple: true, accept: ACCEPT, name: "files" });
  const node = el("form", { class: "action-form", id: "attach-response" }, el("h3", {}, "为回应上传附件"),
    el("label", { for: "f-att-response", class: "field" }, el("span", {}, "回应"), select),
    el("label", { for: "f-att-files", class: "field" }, el("span", {}, "文件"), filePicker(input)),
    el("button", { type: "submit", class: "primary" }, "上传"));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("attachments-error");
    show(error, "");
    if (!input.files.length) { show(error, "请选择文件"); return; }
    const body = new FormData();
    for (const file of input.files) body.append("files", file, file.name);
    try {
      await upload(`/api/incidents/${incidentId}/responses/${Number(select.value)}/attachments`, body);
      show(document.getElementById("attachments-ok"), "上传附件：已上传");
      root.dataset.key = "";
      await refresh();
    } catch (err) {
      show(error, `上传附件失败：${errorText(err)}`);
    }
  });
  return node;
}

async function refresh() {
  if (!root) return;
  let data;
  try {
    data = await api(`/api/incidents/${incidentId}/attachments`);
  } catch { return; }
  const files = list(data.attachments);
  const key = JSON.stringify([files.map((a) => a.id), list(data.may_attach_to).map((r) => r.id)]);
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  root.replaceChildren(...[el("h2", {}, "附件"),
    el("p", { id: "attachments-error", class: "form-error", role: "alert", hidden: true }),
    el("p", { id: "attachments-ok", class: "form-ok", role: "status", hidden: true }),
    files.length ? el("ul", { class: "attachment-list", id: "attachment-list" }, ...files.map(row))
      : el("p", { class: "muted", id: "no-attachments" }, "暂无附件"),
    list(data.may_attach_to).length ? form(data.may_attach_to) : null].filter(Boolean));
}

async function main() {
  if (!(await whoami())) return;
  document.addEventListener("yuqing:loaded", refresh);
  document.addEventListener("yuqing:changed", () => { if (root) root.dataset.key = ""; });
  refresh();
}

main();
