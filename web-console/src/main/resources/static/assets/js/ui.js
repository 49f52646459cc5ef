// Small DOM helpers shared by the pages. No inline handlers or styles anywhere (the CSP forbids them): elements are
// built here and listeners added with addEventListener.

/**
 * Builds an element. attrs: `class`, `text`, `on: {event: fn}`, booleans (true sets, false omits), anything else
 * as an attribute. children: nodes, strings, arrays, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'path', 'line', 'text', 'g', 'rect', 'polyline', 'circle', 'title'].includes(tag);
  const element = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === 'text') {
      element.textContent = value;
    } else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) {
        element.addEventListener(event, handler);
      }
    } else if (key === 'class') {
      element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else {
      element.setAttribute(key, value === true ? '' : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(element, child);
    } else {
      element.append(child instanceof Node ? child : String(child));
    }
  }
}

/** Replaces an element's content. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/**
 * A message area: role=alert so that screen readers announce it. show(text, kind) with kind 'error', 'success' or
 * 'info'; clear().
 */
export function messageArea(extraClass) {
  const element = h('div', {class: ['message-area', extraClass], role: 'alert', 'aria-live': 'assertive'});
  return {
    element,
    show(text, kind = 'error') {
      replace(element, h('p', {class: `message ${kind}`, text}));
    },
    error(e) {
      this.show(e && e.message ? e.message : String(e), 'error');
    },
    clear() {
      element.replaceChildren();
    },
  };
}

/** Runs an action with its button disabled; errors go to the message area, never silently. */
export async function busy(button, messages, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } catch (e) {
    messages.error(e);
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * Inline confirmation: swaps `container`'s content for the question and two buttons. The confirm button gets the
 * focus; Cancel (or Escape) puts the old content back, returns the focus to `returnFocusTo` and calls `onCancel`.
 * Returns a function that puts the old content back.
 */
export function confirmInline(container, {question, confirmLabel, onConfirm, onCancel, returnFocusTo, danger = true}) {
  const previous = [...container.childNodes];
  const restore = () => {
    container.replaceChildren(...previous);
    if (returnFocusTo && returnFocusTo.isConnected) {
      returnFocusTo.focus();
    }
  };
  const confirm = h('button', {type: 'button', class: danger ? 'danger' : 'primary', text: confirmLabel});
  const cancelled = () => {
    restore();
    if (onCancel) {
      onCancel();
    }
  };
  const cancel = h('button', {type: 'button', class: 'secondary', text: 'Cancel', on: {click: cancelled}});
  const box = h('div', {class: 'confirm', role: 'group', 'aria-label': question},
    h('span', {class: 'confirm-question', text: question}), confirm, cancel);
  box.addEventListener('keydown', event => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancelled();
    }
  });
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    cancel.disabled = true;
    try {
      await onConfirm();
    } finally {
      if (confirm.isConnected) {
        confirm.disabled = false;
        cancel.disabled = false;
      }
    }
  });
  container.replaceChildren(box);
  confirm.focus();
  return restore;
}

/** Copies text to the clipboard; falls back to selecting a hidden text area for older or insecure contexts. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // fall through to the older way (a headless browser may deny the permission)
    }
  }
  const area = h('textarea', {class: 'offscreen', readonly: true, 'aria-hidden': 'true'});
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) {
    throw new Error('The browser did not allow copying; select the text and copy it by hand.');
  }
}

/** A "Copy" button for the text `getText()` returns, which says whether the copy worked. */
export function copyButton(getText, label = 'Copy', accessibleName) {
  const status = h('span', {class: 'copy-status', role: 'status', 'aria-live': 'polite'});
  const button = h('button', {type: 'button', class: 'secondary copy', text: label, 'aria-label': accessibleName});
  button.addEventListener('click', async () => {
    try {
      await copyText(getText());
      status.textContent = 'Copied.';
    } catch (e) {
      status.textContent = e.message;
    }
  });
  return h('span', {class: 'copy-wrap'}, button, status);
}

/** A labelled form field. options: type, value, required, hint, attrs (more input attributes), id. */
export function field(id, label, options = {}) {
  const hintId = options.hint ? `${id}-hint` : undefined;
  let control;
  if (options.type === 'select') {
    control = h('select', {id, name: id, 'aria-describedby': hintId, ...options.attrs},
      options.choices.map(([value, text]) => h('option', {value, text, selected: value === options.value})));
  } else {
    control = h('input', {id, name: id, type: options.type || 'text', 'aria-describedby': hintId,
      required: options.required, ...options.attrs});
    if (options.value !== undefined && options.value !== null) {
      control.value = options.value;
    }
  }
  return {
    control,
    element: h('div', {class: 'field'},
      h('label', {for: id}, label, options.required ? h('span', {class: 'required', text: ' (required)'}) : null),
      control,
      options.hint ? h('p', {class: 'hint', id: hintId, text: options.hint}) : null),
  };
}

export function checkbox(id, label, checked, hint) {
  const control = h('input', {id, name: id, type: 'checkbox', checked});
  return {
    control,
    element: h('div', {class: 'field checkbox'}, control, h('label', {for: id, text: label}),
      hint ? h('p', {class: 'hint', text: hint}) : null),
  };
}

/** A page heading that takes the focus after navigation, so that screen readers announce the new page. */
export function heading(text) {
  return h('h1', {tabindex: '-1', class: 'page-title', text});
}

/** A table whose cells carry their column name, so that a phone can show each row as a labelled card. */
export function table(caption, columns, rows, emptyText) {
  if (!rows.length) {
    return h('p', {class: 'empty', text: emptyText});
  }
  return h('div', {class: 'table-wrap'},
    h('table', {class: 'cards'},
      h('caption', {class: 'visually-hidden', text: caption}),
      h('thead', {}, h('tr', {}, columns.map(c => h('th', {scope: 'col', text: c})))),
      h('tbody', {}, rows.map(cells => h('tr', {}, cells.map((cell, i) =>
        h('td', {'data-label': columns[i]}, cell)))))));
}

// ---- formatting

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) {
    return '–';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Number(bytes);
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) {
    return '–';
  }
  const s = Math.round(Number(seconds));
  if (s < 120) {
    return `${s} s`;
  }
  if (s < 7200) {
    return `${Math.round(s / 60)} min`;
  }
  return `${(s / 3600).toFixed(1)} h`;
}

export function formatTime(iso) {
  if (!iso) {
    return '–';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit'});
}

/** "in 54 min" / "3 min ago" beside an instant. */
export function relative(iso) {
  if (!iso) {
    return '';
  }
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const text = formatSeconds(Math.abs(seconds));
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) {
    return '–';
  }
  return Number(value).toFixed(digits).replace(/\.0+$/, '');
}
