import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';

export interface FilterOption {
  value: string;
  label: string;
}

/** A list filter taking several values: a menu of checkboxes whose summary names what is
 * ticked (in the options' order), or `anyLabel` when nothing is. */
@Component({
  selector: 'app-multi-filter',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <details class="relative mt-0.5" #menu (keydown.escape)="menu.open = false">
      <summary class="block w-full cursor-pointer list-none truncate rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm text-gray-900" [attr.aria-label]="label() + ': ' + summary()">{{ summary() }}</summary>
      <div class="absolute z-20 mt-1 max-h-72 min-w-full overflow-y-auto rounded-md border border-gray-200 bg-white p-2 shadow-lg" role="group" [attr.aria-label]="label()">
        @for (option of options(); track option.value) {
          <label class="flex items-center gap-2 whitespace-nowrap py-1 text-sm text-gray-800">
            <input type="checkbox" class="rounded border-gray-300" [checked]="selected().includes(option.value)" (change)="toggle(option.value, $any($event.target).checked)" [attr.data-value]="option.value" />{{ option.label }}
          </label>
        }
        @if (selected().length) {
          <button type="button" class="mt-1 text-xs text-indigo-700 hover:underline" (click)="changed.emit([])">{{ anyLabel() }}</button>
        }
      </div>
    </details>
  `,
})
export class MultiFilter {
  readonly label = input.required<string>();
  readonly options = input.required<FilterOption[]>();
  readonly selected = input.required<readonly string[]>();
  readonly anyLabel = input.required<string>();
  readonly changed = output<string[]>();

  protected readonly summary = computed(() => summarise(this.options(), this.selected(), this.anyLabel()));

  protected toggle(value: string, on: boolean): void {
    this.changed.emit(toggled(this.options(), this.selected(), value, on));
  }
}

/** "Abierto, En progreso" (the options' order), or `any` when none is chosen. */
export function summarise(options: FilterOption[], selected: readonly string[], any: string): string {
  const labels = options.filter((o) => selected.includes(o.value)).map((o) => o.label);
  const unknown = selected.filter((v) => !options.some((o) => o.value === v));
  return [...labels, ...unknown].join(', ') || any;
}

/** The selection with `value` ticked or not, in the options' order (so addresses are stable). */
export function toggled(options: FilterOption[], selected: readonly string[], value: string, on: boolean): string[] {
  const chosen = new Set(selected);
  if (on) chosen.add(value);
  else chosen.delete(value);
  const known = options.map((o) => o.value).filter((v) => chosen.has(v));
  return [...known, ...[...chosen].filter((v) => !known.includes(v))];
}
