import { AbstractControl, ValidationErrors } from '@angular/forms';

/** The gateway's `Name`: 1–100 characters once trimmed. */
export const NAME_MAX = 100;
/** The gateway's `Text` (a description, a reason): at most 2,000 characters. */
export const TEXT_MAX = 2000;

/** Required, and more than spaces (the server trims before it checks). */
export function notBlank(control: AbstractControl<string>): ValidationErrors | null {
  return (control.value ?? '').trim() ? null : { required: true };
}

/** A list of checkboxes with at least one ticked. */
export function atLeastOne(control: AbstractControl<boolean[]>): ValidationErrors | null {
  return (control.value ?? []).some(Boolean) ? null : { required: true };
}
