// The control console's buttons and forms: each is one control action, sent to the
// control API with the session's CSRF token; a refusal shows its path and reason; after
// a change the page's live parts are fetched again (console.js). No HTML is built here.
const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const csrf = csrfMeta ? csrfMeta.content : "";
const problem = document.getElementById("control-error");

async function send(url, body, type) {
  problem.hidden = true;
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": type, "X-CSRF-Token": csrf },
    body,
  });
  if (response.ok) {
    document.dispatchEvent(new CustomEvent("trafsim:changed"));
    return true;
  }
  const answer = await response.json();
  const error = answer.error;
  problem.textContent = error.path ? `${error.path}: ${error.message}` : error.message;
  problem.hidden = false;
  problem.scrollIntoView({ block: "center" });
  return false;
}

function act(action, fields) {
  return send(`/api/v1/control/${encodeURIComponent(action)}`, JSON.stringify(fields), "application/json");
}

// `a=1` lines: the value as JSON when it reads as JSON (3, true, "x"), else as text.
function assignments(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at < 1) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    try {
      out[key] = JSON.parse(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

function put(target, path, value) {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys[keys.length - 1]] = value;
}

// A form's fields as the action's JSON: dotted names nest, empty fields are left out.
function fieldsOf(form) {
  const out = JSON.parse(form.dataset.fields || "{}");
  for (const element of form.elements) {
    if (!element.name) continue;
    let value;
    if (element.multiple) {
      value = [...element.selectedOptions].map((option) => option.value);
      if (!value.length) continue;
    } else if (element.name === "attributes") {
      value = assignments(element.value);
      if (!Object.keys(value).length) continue;
    } else {
      value = element.value.trim();
      if (value === "") continue;
      if ("number" in element.dataset) value = Number(value);
    }
    put(out, element.name, value);
  }
  return form.dataset.wrap ? { [form.dataset.wrap]: out } : out;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button || button.closest("form")) return;
  event.preventDefault();
  act(button.dataset.action, JSON.parse(button.dataset.fields || "{}"));
});

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.act");
  if (!form) return;
  event.preventDefault();
  const done = form.dataset.toml
    ? await send("/console/control/inject", form.elements[form.dataset.toml].value, "text/plain")
    : await act(form.dataset.action, fieldsOf(form));
  if (done && !form.dataset.fields) form.reset();
});

// The latest events, newest first: one line each, written as text.
const feed = document.getElementById("feed");
const FEED_LINES = 60;
document.addEventListener("trafsim:event", (event) => {
  if (!feed) return;
  const { name, data } = event.detail;
  if (name !== "status" && name !== "ended") return;
  const line = document.createElement("li");
  line.className = `feed-${data.kind || name}`;
  const parts = [data.when || "", data.kind || name];
  if (data.envelope_id) parts.push(`${data.envelope_id.slice(0, 8)} → ${data.recipient}`);
  for (const key of ["stage", "outcome", "reason"]) if (data[key]) parts.push(data[key]);
  line.textContent = parts.filter((part) => part).join(" · ");
  feed.prepend(line);
  while (feed.children.length > FEED_LINES) feed.lastElementChild.remove();
});
