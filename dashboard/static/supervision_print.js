// 督办单 print view: the notice as an A4 document (print.css: @page A4). Text only.

import { ZONE, api, el, errorText, fmtTime, list, setupHeader, show, whoami } from "./common.js";

const noticeId = Number(location.pathname.split("/").filter(Boolean)[1]);
const DATE = new Intl.DateTimeFormat("zh-CN", { timeZone: ZONE, year: "numeric", month: "long", day: "numeric" });

function text(id, value) {
  document.getElementById(id).textContent = value || "—";
}

function render(doc) {
  const n = doc.notice;
  const inc = doc.incident;
  text("d-org", `${doc.issuer}`);
  text("d-no", n.doc_no || `督办单 #${n.id}`);
  text("d-to", `${list(n.units).join("、")}：`);
  text("d-intro", `现将下列舆情事项交你单位办理，请于办理时限前签收并反馈办理情况。`);
  text("d-incident", `#${inc.id} ${inc.title || ""}（${inc.topic}，${inc.severity}，收到于 ${fmtTime(inc.received_at)}）`);
  text("d-text", inc.text);
  text("d-requirement", n.requirement);
  text("d-due", fmtTime(n.due_at));
  text("d-signed", n.signed_at ? `${n.signed_unit || ""} ${n.signed_by || ""} 于 ${fmtTime(n.signed_at)} 签收` : "尚未签收");
  text("d-answer", n.answered_at ? `${n.answer || ""}\n（${n.answered_unit || ""} ${n.answered_by || ""} ${fmtTime(n.answered_at)}）` : "尚未反馈");
  document.getElementById("d-files").replaceChildren(...(doc.attachments.length
    ? doc.attachments.map((a, i) => el("div", {}, `${i + 1}. ${a.filename}`)) : ["无"]));
  text("d-issuer", doc.issuer);
  text("d-date", DATE.format(new Date(n.issued_at)));
  document.getElementById("back").setAttribute("href", `/incidents/${Number(inc.id)}`);
  document.title = `${n.doc_no || `督办单 #${n.id}`} · 督办单`;
  document.getElementById("sheet").hidden = false;
}

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  document.getElementById("print").addEventListener("click", () => window.print());
  try {
    render(await api(`/api/supervision/${noticeId}`));
  } catch (err) {
    show(document.getElementById("doc-error"), `加载失败：${errorText(err)}`);
  }
}

main();
