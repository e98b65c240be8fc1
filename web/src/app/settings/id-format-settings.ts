import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';
import { TicketIdFormat } from '../core/models';
import { TicketService } from '../tickets/ticket.service';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

/** `LUX-2026-000001`: the tickets service's format (services/tickets/.../domain/ids.py). */
export function formatTicketId(format: TicketIdFormat, year: number, sequence: number): string {
  const parts = [format.prefix];
  if (format.includeYear) parts.push(String(year).padStart(4, '0'));
  parts.push(String(sequence).padStart(format.padLength, '0'));
  return parts.join(format.separator);
}

/** The sequence number at the end of an id made with `format` this year, if it was. */
export function sequenceOf(ticketId: string, format: TicketIdFormat, year: number): number | null {
  const head = formatTicketId(format, year, 0).slice(0, -format.padLength);
  if (!ticketId.startsWith(head)) return null;
  const tail = ticketId.slice(head.length);
  return /^\d+$/.test(tail) ? Number(tail) : null;
}

/** The next id with `format`: one after the newest ticket if that one used the same counter
 * (same prefix, and year when included), else the first of a new counter. */
export function nextTicketId(format: TicketIdFormat, latestId: string | null, year: number): string {
  const sequence = latestId ? sequenceOf(latestId, format, year) : null;
  return formatTicketId(format, year, (sequence ?? 0) + 1);
}

const SEPARATORS: TicketIdFormat['separator'][] = ['-', '_', '.', ''];

/** Ticket-ID format with a live preview of the next id. */
@Component({
  selector: 'app-id-format-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="max-w-2xl space-y-4 rounded-lg border border-gray-200 bg-white p-4">
      <div class="grid gap-3 sm:grid-cols-2">
        <label class="text-sm text-gray-700">{{ i18n.t('idFormat.prefix') }}
          <input formControlName="prefix" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 font-mono text-sm" data-testid="id-prefix" />
          <span class="text-xs text-red-700" role="alert">{{ save_.reason('prefix') }}</span>
        </label>
        <label class="text-sm text-gray-700">{{ i18n.t('idFormat.padLength') }}
          <input type="number" min="1" max="12" formControlName="padLength" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm" />
          <span class="text-xs text-red-700" role="alert">{{ save_.reason('padLength') }}</span>
        </label>
        <label class="text-sm text-gray-700">{{ i18n.t('idFormat.separator') }}
          <select formControlName="separator" class="mt-1 block w-full rounded-md border border-gray-300 bg-white px-3 py-2 text-sm">
            @for (separator of separators; track separator) {
              <option [value]="separator">{{ separator || i18n.t('idFormat.none') }}</option>
            }
          </select>
        </label>
        <label class="flex items-center gap-2 self-end pb-2 text-sm text-gray-700">
          <input type="checkbox" formControlName="includeYear" class="h-4 w-4 rounded border-gray-300" />
          {{ i18n.t('idFormat.includeYear') }}
        </label>
      </div>
      <div class="rounded-md bg-gray-50 p-3">
        <p class="text-xs uppercase tracking-wide text-gray-500">{{ i18n.t('idFormat.preview') }}</p>
        <p class="mt-1 font-mono text-2xl text-gray-900" data-testid="id-preview">{{ preview() }}</p>
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
  private readonly tickets = inject(TicketService);
  protected readonly save_ = new SaveState();
  protected readonly separators = SEPARATORS;
  protected readonly form = new FormGroup({
    prefix: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.pattern(/^[A-Za-z0-9]+$/)] }),
    includeYear: new FormControl(true, { nonNullable: true }),
    padLength: new FormControl(6, { nonNullable: true, validators: [Validators.min(1), Validators.max(12)] }),
    separator: new FormControl<TicketIdFormat['separator']>('-', { nonNullable: true }),
  });
  private readonly value = toSignal(this.form.valueChanges, { initialValue: this.form.getRawValue() });
  private readonly latestId = signal<string | null>(null);
  protected readonly preview = computed(() => {
    this.value();
    const format = this.form.getRawValue();
    const padLength = Math.min(12, Math.max(1, Number(format.padLength) || 1));
    return nextTicketId({ ...format, prefix: format.prefix.trim() || '?', padLength }, this.latestId(), new Date().getFullYear());
  });

  ngOnInit(): void {
    this.settings.idFormat().subscribe((format) => this.form.setValue(format));
    this.tickets.list({ page: 1, limit: 1, sortBy: 'createdAt', sortOrder: 'desc' }).subscribe({
      next: (page) => this.latestId.set(page.tickets[0]?.ticketId ?? null),
      error: () => undefined,
    });
  }

  protected save(): void {
    this.save_.run(this.settings.saveIdFormat(this.form.getRawValue()), (saved) => this.form.setValue(saved));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('ticket_id_format'), () => this.ngOnInit());
  }
}
