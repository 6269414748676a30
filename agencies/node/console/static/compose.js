// The compose form: the fields the server generated from the schema become the
// envelope's JSON (build), a reply or forward fills them in (fill), lists grow and shrink,
// every field carries the path the server names in its errors (number), and a refused
// message shows its error next to the field. No HTML is built from strings here.
const form = document.getElementById("compose");
const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const csrf = csrfMeta ? csrfMeta.content : "";

function fieldsOf(node) {
  const holder = node.querySelector(":scope > .fields");
  return holder ? [...holder.children].filter((child) => child.dataset.widget) : [];
}

function itemsOf(node) {
  return [...node.querySelector(":scope > .items").children].map((item) =>
    item.querySelector(":scope > [data-widget]"),
  );
}

function valueElement(node) {
  return node.querySelector(":scope > label > .value");
}

// The value a field holds, or undefined when nothing is filled in.
function build(node) {
  const widget = node.dataset.widget;
  const required = node.dataset.required === "true";
  const integer = node.dataset.format === "integer";
  if (node.dataset.fixed) return node.dataset.fixed;
  if (widget === "object") {
    const out = {};
    for (const child of fieldsOf(node)) {
      const value = build(child);
      if (value !== undefined) out[child.dataset.key] = value;
    }
    return required || Object.values(out).some(entered) ? out : undefined;
  }
  if (widget === "list") {
    const items = itemsOf(node).map((item) => build(item) ?? {});
    return items.length || required ? items : undefined;
  }
  if (widget === "choices") {
    const chosen = [...node.querySelectorAll(":scope .choices .value:checked")]
      .sort((a, b) => Number(a.dataset.order) - Number(b.dataset.order))
      .map((box) => (integer ? Number(box.value) : box.value));
    return chosen.length || required ? chosen : undefined;
  }
  const element = valueElement(node);
  if (widget === "checkbox") {
    if (element.checked) return true;
    return required || node.dataset.default === "true" ? false : undefined;
  }
  const text = element.value;
  if (widget === "lines") {
    const lines = text.split("\n").map((line) => line.trim()).filter((line) => line);
    const values = node.dataset.format === "integer" ? lines.map(numberOr) : lines;
    return values.length || required ? values : undefined;
  }
  if (text.trim() === "") return required && widget !== "select" ? "" : undefined;
  if (!required && node.dataset.default !== undefined && JSON.stringify(text) === node.dataset.default) {
    return undefined; // the default, which the server applies anyway
  }
  if (widget === "tristate") return text === "true";
  if (widget === "integer" || widget === "number" || integer) return numberOr(text.trim());
  return text;
}

// Whether a value holds something a person entered (not just an empty shell).
function entered(value) {
  if (value === undefined || value === "" || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && value !== null) return Object.values(value).some(entered);
  return true;
}

// A number, or the text as written when it is not one (the server names the field).
function numberOr(text) {
  const number = Number(text);
  return text !== "" && Number.isFinite(number) ? number : text;
}

// Put a value into a field (a reply's or a forward's starting point).
function fill(node, value) {
  if (value === undefined || value === null || node.dataset.fixed) return;
  const widget = node.dataset.widget;
  if (widget === "object") {
    for (const child of fieldsOf(node)) fill(child, value[child.dataset.key]);
  } else if (widget === "list") {
    for (const item of value) fill(addItem(node), item);
  } else if (widget === "choices") {
    const wanted = value.map(String);
    for (const box of node.querySelectorAll(":scope .choices .value")) {
      box.checked = wanted.includes(box.value);
      box.dataset.order = String(wanted.indexOf(box.value));
    }
  } else if (widget === "checkbox") {
    valueElement(node).checked = Boolean(value);
  } else if (widget === "lines") {
    valueElement(node).value = value.join("\n");
  } else {
    valueElement(node).value = String(value);
  }
}

function addItem(list) {
  const template = list.querySelector(":scope > template.item-template");
  const item = template.content.firstElementChild.cloneNode(true);
  list.querySelector(":scope > .items").append(item);
  number();
  return item.querySelector(":scope > [data-widget]");
}

// Give every field the path of its value: `$.recipients`, `$.body.persons[0].age`.
function number() {
  for (const root of form.querySelectorAll("[data-root]")) {
    const top = root.querySelector(":scope > [data-widget]");
    if (top.dataset.key === "envelope") {
      top.dataset.path = "$";
      for (const child of fieldsOf(top)) walk(child, `$.${child.dataset.key}`);
    } else {
      walk(top, `$.${top.dataset.key}`);
    }
  }
}

function walk(node, path) {
  node.dataset.path = path;
  if (node.dataset.widget === "object") {
    for (const child of fieldsOf(node)) walk(child, `${path}.${child.dataset.key}`);
  } else if (node.dataset.widget === "list") {
    itemsOf(node).forEach((item, index) => walk(item, `${path}[${index}]`));
  }
}

// The whole envelope as the team would send it now.
function envelope(createdAt) {
  const out = {
    schema_version: "1",
    id: form.dataset.id,
    exercise_id: form.dataset.exercise,
    sender: form.dataset.sender,
    created_at: createdAt,
  };
  for (const root of form.querySelectorAll("[data-root]")) {
    const top = root.querySelector(":scope > [data-widget]");
    const value = build(top);
    if (top.dataset.key === "envelope") Object.assign(out, value);
    else out[top.dataset.key] = value;
  }
  return out;
}

// A random (version 4) UUID; crypto.randomUUID needs a secure context, this does not.
function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function clearErrors() {
  for (const error of form.querySelectorAll(".error")) {
    error.hidden = true;
    error.textContent = "";
  }
  for (const marked of form.querySelectorAll(".invalid")) marked.classList.remove("invalid");
}

// Show an error next to the field its path names (or the nearest field above it).
function showError(path, message) {
  const summary = document.getElementById("compose-error");
  summary.textContent = path ? `${path}: ${message}` : message;
  summary.hidden = false;
  let target = null;
  let wanted = path || "";
  while (wanted && !target) {
    target = form.querySelector(`[data-path="${CSS.escape(wanted)}"]`);
    if (!target) wanted = wanted.replace(/(\[\d+\]|\.[^.[\]]+)$/, "");
  }
  if (!target) return;
  const error = target.querySelector(":scope > .error");
  error.textContent = message;
  error.hidden = false;
  target.classList.add("invalid");
  const details = target.closest("details");
  if (details) details.open = true;
  target.scrollIntoView({ block: "center" });
  const input = target.querySelector(".value");
  if (input) input.focus();
}

async function now() {
  const response = await fetch("/api/v1/clock", { credentials: "same-origin" });
  return (await response.json()).now_at;
}

async function send(event) {
  event.preventDefault();
  clearErrors();
  const body = envelope(await now());
  const response = await fetch(
    `/api/v1/agencies/${encodeURIComponent(form.dataset.sender)}/messages`,
    {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    },
  );
  const answer = await response.json();
  if (response.status === 202 || response.status === 200) {
    location.assign(
      `/console/${encodeURIComponent(form.dataset.sender)}/messages/${encodeURIComponent(answer.id)}`,
    );
    return;
  }
  showError(answer.error.path, answer.error.message);
  if (response.status === 422 || response.status === 400 || response.status === 403) {
    form.dataset.id = newId(); // a refused id is spent: the next try is a new message
  }
}

async function preview() {
  const shown = document.getElementById("preview");
  shown.textContent = JSON.stringify(envelope(await now()), null, 2);
  shown.hidden = false;
}

if (form) {
  form.dataset.id = newId();
  form.addEventListener("click", (event) => {
    const target = event.target;
    if (target.classList.contains("add-item")) {
      addItem(target.closest("[data-widget=list]"));
    } else if (target.classList.contains("remove-item")) {
      target.closest(".item").remove();
      number();
    }
  });
  // Several choices keep the order they were ticked in (an order of preference).
  let ticks = 0;
  form.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type === "checkbox" && box.closest(".choices") && box.checked) {
      ticks += 1;
      box.dataset.order = String(1000 + ticks);
    }
  });
  form.addEventListener("submit", send);
  document.getElementById("preview-button").addEventListener("click", preview);
  number();
  const initial = JSON.parse(form.dataset.initial || "{}");
  for (const root of form.querySelectorAll("[data-root]")) {
    const top = root.querySelector(":scope > [data-widget]");
    fill(top, top.dataset.key === "envelope" ? initial : initial[top.dataset.key]);
  }
  number();
}
