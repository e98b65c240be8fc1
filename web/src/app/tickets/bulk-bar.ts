import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';

import { toApiError } from '../core/api-error';
import { AgentsService } from '../core/agents.service';
import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { Priority, TicketStatus, TicketSummary } from '../core/models';
import { legalStatuses } from './bulk';
import { CLOSE_REASONS, closeReasonLabel } from './ticket-close';
import { BulkAction, BulkAnswer, BulkFilter, MAX_BULK, TicketService } from './ticket.service';
import { PRIORITIES } from './ticket-workflow';

type Kind = 'assign' | 'status' | 'priority' | 'tagAdd' | 'tagRemove' | 'close';

/** The bar over a selection of tickets: an action and its value, applied to the tickets
 * chosen (or to all matching the list's filters, up to 500) in one bulk request. */
@Component({
  selector: 'app-bulk-bar',
  imports: [AsyncPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="mb-2 flex flex-wrap items-end gap-2 rounded-lg border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm" role="region" [attr.aria-label]="i18n.t('bulk.action')" data-testid="bulk-bar">
      <span class="font-medium text-indigo-900" data-testid="bulk-count">
        @if (filter()) {
          {{ i18n.t('bulk.allMatching', { count: total() }) }}
          @if (total() > max) { <span class="text-xs font-normal">({{ i18n.t('bulk.capped', { max }) }})</span> }
        } @else {
          {{ i18n.t('bulk.selected', { count: ids().length }) }}
        }
      </span>
      <label class="text-xs text-gray-600">{{ i18n.t('bulk.action') }}
        <select class="mt-0.5 block rounded-md border border-gray-300 bg-white px-2 py-1 text-sm text-gray-900" (change)="choose($any($event.target).value)" data-testid="bulk-action">
          @for (kind of kinds; track kind) {
            <option [value]="kind" [selected]="kind === action()">{{ label(kind) }}</option>
          }
        </select>
      </label>
      <label class="text-xs text-gray-600">{{ valueLabel() }}
        @switch (action()) {
          @case ('assign') {
            <select class="mt-0.5 block rounded-md border border-gray-300 bg-white px-2 py-1 text-sm text-gray-900" (change)="value.set($any($event.target).value)" data-testid="bulk-value">
              <option value="" [selected]="value() === ''">—</option>
              @for (agent of agents.active$ | async; track agent.id) {
                <option [value]="agent.id" [selected]="value() === agent.id">{{ agent.firstName }} {{ agent.lastName }}{{ agent.id === me ? ' (' + i18n.t('tickets.assignedMe') + ')' : '' }}</option>
              }
            </select>
          }
          @case ('status') {
            <select class="mt-0.5 block rounded-md border border-gray-300 bg-white px-2 py-1 text-sm text-gray-900" (change)="value.set($any($event.target).value)" data-testid="bulk-value">
              <option value="" [selected]="value() === ''">—</option>
              @for (legal of statuses(); track legal.status) {
                <option [value]="legal.status" [selected]="value() === legal.status">{{ i18n.status(legal.status) }} ({{ i18n.t('bulk.legalFor', { count: legal.count, total: rows().length }) }})</option>
              }
            </select>
          }
          @case ('priority') {
            <select class="mt-0.5 block rounded-md border border-gray-300 bg-white px-2 py-1 text-sm text-gray-900" (change)="value.set($any($event.target).value)" data-testid="bulk-value">
              <option value="" [selected]="value() === ''">—</option>
              @for (priority of priorities; track priority) {
                <option [value]="priority" [selected]="value() === priority">{{ i18n.priority(priority) }}</option>
              }
            </select>
          }
          @case ('close') {
            <select class="mt-0.5 block rounded-md border border-gray-300 bg-white px-2 py-1 text-sm text-gray-900" (change)="value.set($any($event.target).value)" data-testid="bulk-value">
              <option value="" [selected]="value() === ''">—</option>
              @for (reason of closeReasons; track reason) {
                <option [value]="reason" [selected]="value() === reason">{{ closeLabel(reason) }}</option>
              }
            </select>
          }
          @default {
            <input class="mt-0.5 block w-32 rounded-md border border-gray-300 px-2 py-1 text-sm" [value]="value()" (input)="value.set($any($event.target).value)" maxlength="50" data-testid="bulk-value" />
          }
        }
      </label>
      <button type="button" class="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white disabled:opacity-50" [disabled]="busy() || !value().trim()" (click)="apply()" data-testid="bulk-apply">{{ busy() ? i18n.t('bulk.running') : i18n.t('bulk.apply') }}</button>
      <button type="button" class="rounded-md px-2 py-1.5 text-indigo-800 hover:bg-indigo-100" (click)="cleared.emit()" data-testid="bulk-clear">{{ i18n.t('bulk.clear') }}</button>
      @if (error()) {
        <p class="w-full text-red-700" role="alert">{{ error() }}</p>
      }
    </div>
  `,
})
export class BulkBar {
  protected readonly i18n = inject(I18nService);
  protected readonly agents = inject(AgentsService);
  private readonly tickets = inject(TicketService);
  protected readonly me = inject(AuthService).agent?.id ?? null;

  /** The tickets chosen (ignored when `filter` is set). */
  readonly ids = input<string[]>([]);
  /** "All matching": the list's filters. */
  readonly filter = input<BulkFilter | null>(null);
  readonly total = input(0);
  /** The rows in view (what the legal statuses are worked out from). */
  readonly rows = input<TicketSummary[]>([]);
  readonly applied = output<BulkAnswer>();
  readonly cleared = output<void>();

  protected readonly max = MAX_BULK;
  protected readonly kinds: Kind[] = ['assign', 'status', 'priority', 'tagAdd', 'tagRemove', 'close'];
  protected readonly priorities = PRIORITIES;
  protected readonly closeReasons = CLOSE_REASONS;
  protected readonly action = signal<Kind>('assign');
  protected readonly value = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly statuses = computed(() => {
    const chosen = new Set(this.ids());
    const rows = this.filter() ? this.rows() : this.rows().filter((row) => chosen.has(row.ticketId));
    return legalStatuses(rows.length ? rows : this.rows());
  });

  protected choose(kind: Kind): void {
    this.action.set(kind);
    this.value.set('');
  }

  protected label(kind: Kind): string {
    return this.i18n.t(`bulk.${kind}`);
  }

  protected valueLabel(): string {
    const kind = this.action();
    if (kind === 'close') return this.i18n.t('bulk.reason');
    if (kind === 'tagAdd' || kind === 'tagRemove') return this.i18n.t('bulk.tag');
    return this.i18n.t('bulk.value');
  }

  protected closeLabel(reason: string): string {
    return closeReasonLabel(reason, (key) => this.i18n.t(key));
  }

  private request(): BulkAction {
    const value = this.value().trim();
    switch (this.action()) {
      case 'assign':
        return { kind: 'assign', agentId: value };
      case 'status':
        return { kind: 'status', status: value as TicketStatus };
      case 'priority':
        return { kind: 'priority', priority: value as Priority };
      case 'tagAdd':
        return { kind: 'tag', add: [value] };
      case 'tagRemove':
        return { kind: 'tag', remove: [value] };
      case 'close':
        return { kind: 'close', reason: value };
    }
  }

  protected apply(): void {
    const filter = this.filter();
    const body = filter ? { filter, action: this.request() } : { ticketIds: this.ids(), action: this.request() };
    this.busy.set(true);
    this.error.set(null);
    this.tickets.bulk(body).subscribe({
      next: (answer) => {
        this.busy.set(false);
        this.applied.emit(answer);
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(toApiError(error).message);
      },
    });
  }
}
