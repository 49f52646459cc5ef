// The one way the console talks to the control plane. Every failure becomes an ApiError whose message is words a
// person can act on: the problem's detail (RFC 9457) when the API sent one, otherwise what went wrong on the way.

export class ApiError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;       // 0 when the request never got an answer
    this.problem = problem;     // the parsed problem+json, if any
  }
}

let unauthorizedHandler = () => {};

/** Called with the error whenever the API answers 401 (the session ended or never began). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function xsrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'XSRF-TOKEN') {
      return decodeURIComponent(value.join('='));
    }
  }
  return null;
}

/**
 * Calls the API and returns the parsed JSON body (null when empty).
 *
 * @param {string} method  GET, POST, PATCH, DELETE
 * @param {string} path    e.g. /api/v1/file-systems
 * @param {object} [body]  sent as JSON
 * @param {{quiet401?: boolean}} [options] quiet401: a 401 is only thrown, not handed to the sign-in redirect
 */
export async function api(method, path, body, options = {}) {
  const headers = {Accept: 'application/json, application/problem+json'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (!SAFE_METHODS.has(method)) {
    const token = xsrfToken();
    if (token) {
      headers['X-XSRF-TOKEN'] = token;
    }
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, `Cannot reach the control plane (${e.message}). Check that it is running and try again.`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, describe(method, path, response, data, text), data);
    if (response.status === 401 && !options.quiet401) {
      unauthorizedHandler(error);
    }
    throw error;
  }
  if (data === null && text) {
    throw new ApiError(response.status, `The control plane answered ${method} ${path} with something that is not JSON.`);
  }
  return data;
}

function describe(method, path, response, problem, text) {
  if (problem && typeof problem === 'object') {
    let message = problem.detail || problem.title;
    if (!problem.detail && Array.isArray(problem.errors) && problem.errors.length) {
      message = problem.errors.map(e => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
    }
    if (message) {
      return `${message} (${response.status}${problem.title && problem.detail ? ' ' + problem.title : ''})`;
    }
  }
  if (response.status === 403) {
    return 'The control plane refused this change (403). Reload the page to get a fresh session token and try again.';
  }
  const snippet = text ? `: ${text.slice(0, 200)}` : '';
  return `${method} ${path} failed with ${response.status} ${response.statusText}${snippet}`;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body, options);
export const patch = (path, body) => api('PATCH', path, body);
export const del = path => api('DELETE', path);

/** A query string from the non-empty values of an object. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      search.set(key, value);
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
