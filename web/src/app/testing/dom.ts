import { ComponentFixture } from '@angular/core/testing';

/** Types `value` into an input or textarea as a person would (the `input` event forms listen
 * to), then lets the fixture render what follows. */
export function typeInto(
  fixture: ComponentFixture<unknown>,
  element: HTMLInputElement | HTMLTextAreaElement,
  value: string,
): void {
  element.value = value;
  element.dispatchEvent(new Event('input'));
  fixture.detectChanges();
}
