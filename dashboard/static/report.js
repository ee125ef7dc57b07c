// 舆情报送: a person enters an item through the same intake as the machines
// (POST /api/items/report, multipart with its attachments). User text only via textContent.

import { api, el, errorText, setupHeader, show, whoami } from "./common.js";
import { dateFields, dateValue } from "./datefield.js";
import { ACCEPT, filePicker, formToken, sizeText, upload } from "./upload.js";

let token = formToken();

async function sources() {
  const data = await api("/api/items/report/sources");
  const select = document.getElementById("r-source");
  select.replaceChildren(...Object.entries(data.sources).map(([key, label]) => el("option", { value: key }, label)));
}

function localToIso(value) {
  return value ? `${value}:00` : ""; // 2026-12-01T09:30 with no offset: the server reads 北京时间
}

function showResult(data) {
  const item = data.item;
  const text = item.duplicate ? `该报送已提交过（信息 #${item.id}），未重复报送。`
    : `信息 #${item.id} 已报送，正在自动分类分办。`;
  document.getElementById("r-result-text").textContent = text;
  document.getElementById("r-result-files").replaceChildren(...(data.attachments || []).map((a) =>
    el("li", { "data-attachment-id": a.id }, el("a", { href: a.url }, a.filename), ` ${sizeText(a.size)}`)));
  const card = document.getElementById("r-result");
  card.hidden = false;
  card.scrollIntoView({ block: "nearest" });
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("r-error");
  show(error, "");
  if (!form.text.value.trim()) {
    show(error, "请填写内容");
    return;
  }
  const found = dateValue(form.found_at);
  if (found === null) {
    show(error, `发现时间：${form.found_at.validationMessage}`);
    form.found_at.focus();
    return;
  }
  const body = new FormData();
  body.append("source", form.source.value);
  body.append("text", form.text.value.trim());
  body.append("client_token", token);
  for (const name of ["title", "link"]) if (form[name].value.trim()) body.append(name, form[name].value.trim());
  if (found) body.append("found_at", localToIso(found));
  for (const file of form.files.files) body.append("files", file, file.name);
  const button = document.getElementById("r-submit");
  button.disabled = true;
  try {
    showResult(await upload("/api/items/report", body));
    form.reset();
    token = formToken(); // the next report is a new one
  } catch (err) {
    show(error, `报送失败：${errorText(err)}`);
  } finally {
    button.disabled = false;
  }
}

async function main() {
  filePicker(document.getElementById("r-files"));
  dateFields(document.getElementById("report-form"));
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  document.getElementById("r-files").setAttribute("accept", ACCEPT);
  document.getElementById("report-form").addEventListener("submit", submit);
  try {
    await sources();
  } catch (err) {
    show(document.getElementById("r-error"), `无法报送：${errorText(err)}`);
    document.getElementById("r-submit").disabled = true;
  }
}

main();
