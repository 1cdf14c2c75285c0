// Forms that send to the API and put its 422 messages beside the fields they name.
import { h } from './dom.js';

/** Clears every field error and the form's own alert. */
export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  form.querySelector('.form-alert')?.remove();
}

/**
 * Shows an API failure on a form: each problem whose location (`body.settings.query`) names a field
 * goes beside it; the rest, and failures without problems, go in an alert at the top of the form.
 * Focus moves to the first field in error so keyboard and screen reader users land on it.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const problems = error?.problems ?? [];
  const unplaced = [];
  let first = null;
  for (const problem of problems) {
    const path = (problem.loc ?? []).filter((p, i) => !(i === 0 && p === 'body')).map(String);
    const slot = slotFor(form, path);
    if (!slot) {
      unplaced.push(`${path.join('.') || 'request'}: ${problem.msg}`);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent}; ${problem.msg}` : problem.msg;
    const input = form.querySelector(`[name="${slot.dataset.errorFor}"]`);
    input?.setAttribute('aria-invalid', 'true');
    first ??= input;
  }
  if (!problems.length || unplaced.length) {
    const text = problems.length ? unplaced.join('; ') : (error?.message ?? String(error));
    form.prepend(h('p.alert.form-alert', { role: 'alert', text }));
  }
  (first ?? form.querySelector('.form-alert'))?.focus?.();
}

/** The error slot of the longest field name that is a prefix of the path (settings.sources.2 → settings.sources). */
function slotFor(form, path) {
  for (let n = path.length; n > 0; n--) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(path.slice(0, n).join('.'))}"]`);
    if (slot) return slot;
  }
  return null;
}

/**
 * Wires a form: on submit, `send(values)` runs with the form's values (a plain object); a failure is
 * shown on the form, a success goes to `done(result)`. The submit button is disabled meanwhile.
 */
export function onSubmit(form, send, done) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    clearErrors(form);
    try {
      const values = Object.fromEntries(new FormData(form).entries());
      const result = await send(values);
      await done?.(result);
    } catch (error) {
      if (form.isConnected) showErrors(form, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

/** Lines of a textarea as a list, blank lines dropped. */
export function lines(text) {
  return String(text ?? '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * An onclick handler for a button that calls the API: the button is disabled meanwhile, and a
 * failure is shown in an alert just after the button's group (and announced), not lost in the console.
 */
export function action(run) {
  return async (event) => {
    const button = event.currentTarget;
    const group = button.closest('.actions') ?? button;
    if (group.nextElementSibling?.classList.contains('action-alert')) group.nextElementSibling.remove();
    button.disabled = true;
    try {
      await run(event);
    } catch (error) {
      if (group.isConnected) group.after(h('p.alert.action-alert', { role: 'alert', text: error.message }));
    } finally {
      button.disabled = false;
    }
  };
}
