// Building DOM nodes safely: text is always set as text (text nodes, textContent),
// attributes through setAttribute. This module never touches innerHTML, and neither
// does any other module of the client.

/**
 * h("button", {class: "x", attrs: {"aria-label": "…"}, on: {click: fn}}, "text", node, [more])
 * Children: strings and numbers become text nodes; null/undefined/false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === "attrs") {
      for (const [name, v] of Object.entries(value)) {
        if (v === undefined || v === null || v === false) continue;
        el.setAttribute(name, v === true ? "" : String(v));
      }
    } else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el) el[key] = value; // properties: id, type, value, disabled, hidden, htmlFor…
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let uid = 0;
export function nextId(prefix = "id") {
  uid += 1;
  return `${prefix}-${uid}`;
}
