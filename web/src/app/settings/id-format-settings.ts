import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { map } from 'rxjs';

import { I18nService } from '../core/i18n.service';
import { TicketIdFormat } from '../core/models';
import { LivePreview } from './live-preview';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

/** Quiet time after the last change before the next id is asked for. */
export const ID_PREVIEW_WAIT_MS = 300;

const SEPARATORS: TicketIdFormat['separator'][] = ['-', '_', '.', ''];
/** The fields that show the server's reason under them. */
const FIELDS_WITH_REASONS: (keyof TicketIdFormat)[] = ['prefix', 'padLength'];

/** Ticket-ID format with a live preview of the next id: the tickets service's counter for the
 * form's unsaved format (`POST /config/ticket-id-format/preview`), asked as the form changes. */
@Component({
  selector: 'app-id-format-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="max-w-2xl space-y-4 rounded-lg border border-gray-200 bg-white p-4">
      <div class="grid gap-3 sm:grid-cols-2">
        <label class="text-sm text-gray-700">{{ i18n.t('idFormat.prefix') }}
          <input formControlName="prefix" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 font-mono text-sm" data-testid="id-prefix" />
          <span class="text-xs text-red-700" role="alert">{{ reason('prefix') }}</span>
        </label>
        <label class="text-sm text-gray-700">{{ i18n.t('idFormat.padLength') }}
          <input type="number" min="1" max="12" formControlName="padLength" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm" />
          <span class="text-xs text-red-700" role="alert">{{ reason('padLength') }}</span>
        </label>
        <label class="text-sm text-gray-700">{{ i18n.t('idFormat.separator') }}
          <select formControlName="separator" class="mt-1 block w-full rounded-md border border-gray-300 bg-white px-3 py-2 text-sm">
            @for (separator of separators; track separator) {
              <option [value]="separator">{{ separator || i18n.t('idFormat.none') }}</option>
            }
          </select>
        </label>
        <label class="flex items-center gap-2 self-end pb-2 text-sm text-gray-700">
          <input type="checkbox" formControlName="includeYear" class="h-4 w-4 rounded border-gray-300" data-testid="id-include-year" />
          {{ i18n.t('idFormat.includeYear') }}
        </label>
      </div>
      <div class="rounded-md bg-gray-50 p-3" [attr.aria-busy]="preview.pending()">
        <p class="text-xs uppercase tracking-wide text-gray-500">{{ i18n.t('idFormat.preview') }}</p>
        <p class="mt-1 flex min-h-8 items-baseline gap-2 font-mono text-2xl" aria-live="polite">
          <span data-testid="id-preview" [class]="preview.pending() ? 'text-gray-400' : 'text-gray-900'">{{ preview.value() }}</span>
          @if (preview.pending()) {
            <span class="text-base text-gray-400" data-testid="id-preview-pending" [attr.title]="i18n.t('common.loading')">…</span>
          }
        </p>
        @if (previewProblem(); as problem) {
          <p class="mt-1 text-xs text-amber-700" data-testid="id-preview-error">{{ i18n.t('preview.failed', { message: problem }) }}</p>
        }
        <p class="mt-1 text-xs text-gray-500">{{ i18n.t('idFormat.previewNote') }}</p>
      </div>
      <div class="flex flex-wrap items-center gap-2">
        <button type="submit" [disabled]="save_.busy() || form.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
        <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline">{{ i18n.t('common.resetDefault') }}</button>
      </div>
      <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    </form>
  `,
})
export class IdFormatSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  protected readonly save_ = new SaveState();
  protected readonly separators = SEPARATORS;
  protected readonly form = new FormGroup({
    prefix: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.maxLength(16), Validators.pattern(/^[A-Za-z0-9]+$/)],
    }),
    includeYear: new FormControl(true, { nonNullable: true }),
    padLength: new FormControl(6, { nonNullable: true, validators: [Validators.required, Validators.min(1), Validators.max(12)] }),
    separator: new FormControl<TicketIdFormat['separator']>('-', { nonNullable: true }),
  });
  /** The next id under the form's format, while the form is valid. */
  protected readonly preview = new LivePreview<TicketIdFormat, string>(
    this.form.valueChanges.pipe(map(() => this.draft())),
    (format) => this.settings.previewIdFormat(format),
    ID_PREVIEW_WAIT_MS,
  );

  ngOnInit(): void {
    this.settings.idFormat().subscribe((format) => {
      this.form.setValue(format);
      this.preview.now(this.draft());
    });
  }

  /** A save's reason for a field, else the preview's (both are the server's 422 details). */
  protected reason(field: keyof TicketIdFormat): string {
    return this.save_.reason(field) || this.preview.reason(field);
  }

  /** Why the latest preview failed, unless a field already shows it. */
  protected previewProblem(): string {
    const error = this.preview.error();
    if (!error || FIELDS_WITH_REASONS.some((field) => this.preview.reason(field))) return '';
    return [error.message, ...error.details.map((detail) => `${detail.field}: ${detail.reason}`)].join(' · ');
  }

  private draft(): TicketIdFormat | null {
    return this.form.valid ? this.form.getRawValue() : null;
  }

  protected save(): void {
    this.save_.run(this.settings.saveIdFormat(this.form.getRawValue()), (saved) => this.form.setValue(saved));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('ticket_id_format'), () => this.ngOnInit());
  }
}
