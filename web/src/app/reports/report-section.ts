import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';

/** One section of the Reports page: its title, its "Export CSV" beside it, its figures inside. */
@Component({
  selector: 'app-report-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block' },
  template: `
    <section class="mb-6 rounded-lg border border-gray-200 bg-white p-4" [attr.data-section]="name()">
      <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 class="text-base font-semibold text-gray-900">{{ title() }}</h2>
        <button type="button" class="rounded-md border border-gray-300 px-2 py-1 text-sm" [disabled]="busy()" (click)="exported.emit()" [attr.data-testid]="'export-' + name()">{{ exportLabel() }}</button>
      </div>
      <ng-content />
    </section>
  `,
})
export class ReportSection {
  readonly name = input.required<string>();
  readonly title = input.required<string>();
  readonly exportLabel = input.required<string>();
  readonly busy = input(false);
  readonly exported = output<void>();
}
