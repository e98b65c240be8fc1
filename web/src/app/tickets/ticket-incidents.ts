import { ChangeDetectionStrategy, Component, effect, inject, input, output, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { Observable } from 'rxjs';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { Ticket } from '../core/models';
import { ToastService } from '../core/toast.service';
import { IncidentService, SimilarTicket } from './incident.service';

/** A ticket's place among others: where it was merged, its problem or incidents, its links, and
 * the similar open tickets with "link as incident of …" and "merge into …". */
@Component({
  selector: 'app-ticket-incidents',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let t = ticket();
    <section class="space-y-3 rounded-lg border border-gray-200 bg-white p-4 text-sm" data-testid="ticket-incidents">
      @if (t.mergedInto) {
        <p class="rounded-md bg-gray-100 p-2" data-testid="merged-into">
          {{ i18n.t('incidents.mergedInto') }} <a class="font-mono text-indigo-700 hover:underline" [routerLink]="['/tickets', t.mergedInto]">{{ t.mergedInto }}</a>
        </p>
      }
      @if (t.problemId) {
        <div class="flex flex-wrap items-center gap-2" data-testid="incident-of">
          <span>{{ i18n.t('incidents.incidentOf') }}</span>
          <a class="font-mono text-indigo-700 hover:underline" [routerLink]="['/tickets', t.problemId]">{{ t.problemId }}</a>
          <button type="button" class="text-xs text-red-700 hover:underline" (click)="unlink(t.problemId)">{{ i18n.t('incidents.unlink') }}</button>
        </div>
      }
      @if (t.isProblem) {
        <p class="font-medium text-gray-800" data-testid="problem-count">{{ i18n.t('incidents.problemCount', { count: t.incidentCount }) }}</p>
      }
      @if (t.mergedFrom.length) {
        <div>
          <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('incidents.mergedFrom') }}</h2>
          <p class="mt-1 flex flex-wrap gap-2">
            @for (merged of t.mergedFrom; track merged.ticketId) {
              <a class="font-mono text-indigo-700 hover:underline" [routerLink]="['/tickets', merged.ticketId]">{{ merged.ticketId }}</a>
            }
          </p>
        </div>
      }
      @if (t.links.length) {
        <div>
          <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('incidents.links') }}</h2>
          <ul class="mt-1 space-y-1" data-testid="ticket-links">
            @for (link of t.links; track link.ticketId) {
              <li class="flex items-center gap-2">
                <span class="text-gray-600">{{ linkLabel(link.type) }}</span>
                <a class="font-mono text-indigo-700 hover:underline" [routerLink]="['/tickets', link.ticketId]">{{ link.ticketId }}</a>
                <button type="button" class="text-xs text-red-700 hover:underline" (click)="unlink(link.ticketId)">{{ i18n.t('incidents.unlink') }}</button>
              </li>
            }
          </ul>
        </div>
      }
      @if (!t.mergedInto) {
        <div>
          <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('incidents.similar') }}</h2>
          @if (similar(); as found) {
            @if (found.length) {
              <ul class="mt-1 space-y-2" data-testid="similar-tickets">
                @for (item of found; track item.ticket.ticketId) {
                  <li class="rounded-md border border-gray-100 p-2" [attr.data-similar-id]="item.ticket.ticketId">
                    <a class="font-mono text-indigo-700 hover:underline" [routerLink]="['/tickets', item.ticket.ticketId]">{{ item.ticket.ticketId }}</a>
                    <span class="ml-1 text-gray-900">{{ item.ticket.subject }}</span>
                    <p class="text-xs text-gray-500">{{ why(item) }}</p>
                    <div class="mt-1 flex flex-wrap gap-3 text-xs">
                      @if (!t.problemId && !t.isProblem && !item.ticket.problemId) {
                        <button type="button" class="text-indigo-700 hover:underline" data-action="incident" (click)="incidentOf(item.ticket.ticketId)">{{ i18n.t('incidents.linkAsIncident', { id: item.ticket.ticketId }) }}</button>
                      }
                      @if (!t.problemId && !t.isProblem) {
                        <button type="button" class="text-indigo-700 hover:underline" data-action="merge" (click)="mergeInto(item.ticket.ticketId)">{{ i18n.t('incidents.mergeInto', { id: item.ticket.ticketId }) }}</button>
                      }
                    </div>
                  </li>
                }
              </ul>
            } @else {
              <p class="mt-1 text-gray-500">{{ i18n.t('incidents.noSimilar') }}</p>
            }
          } @else {
            <p class="mt-1 text-gray-500">{{ i18n.t('common.loading') }}</p>
          }
        </div>
      }
    </section>
  `,
})
export class TicketIncidents {
  protected readonly i18n = inject(I18nService);
  private readonly incidents = inject(IncidentService);
  private readonly toasts = inject(ToastService);

  readonly ticket = input.required<Ticket>();
  /** The ticket changed here (or the one it was merged into): the page reloads. */
  readonly changed = output<void>();
  protected readonly similar = signal<SimilarTicket[] | null>(null);
  private shownFor = '';

  constructor() {
    effect(() => {
      const ticket = this.ticket();
      const key = `${ticket.ticketId}:${ticket.version}`;
      if (key === this.shownFor) return;
      this.shownFor = key;
      this.incidents.similar(ticket.ticketId).subscribe({
        next: (found) => this.similar.set(found),
        error: () => this.similar.set([]),
      });
    });
  }

  protected why(item: SimilarTicket): string {
    const parts = [this.i18n.t('incidents.score', { score: Math.round(item.score * 100) })];
    if (item.words.length) parts.push(this.i18n.t('incidents.words', { words: item.words.join(', ') }));
    if (item.distanceMeters !== null && item.distanceMeters !== undefined) {
      parts.push(this.i18n.t('incidents.distance', { meters: Math.round(item.distanceMeters) }));
    }
    if (item.sameAddress) parts.push(this.i18n.t('incidents.sameAddress'));
    if (item.meaning !== null && item.meaning !== undefined) {
      parts.push(this.i18n.t('incidents.meaning', { percent: Math.round(item.meaning * 100) }));
    }
    return parts.join(' · ');
  }

  protected linkLabel(type: string): string {
    switch (type) {
      case 'duplicate_of':
        return this.i18n.t('incidents.duplicateOf');
      case 'duplicated_by':
        return this.i18n.t('incidents.duplicatedBy');
      default:
        return this.i18n.t('incidents.related');
    }
  }

  protected incidentOf(problemId: string): void {
    this.run(this.incidents.linkIncidents(problemId, [this.ticket().ticketId]));
  }

  protected mergeInto(survivorId: string): void {
    this.run(this.incidents.merge(this.ticket().ticketId, survivorId));
  }

  protected unlink(otherId: string): void {
    this.run(this.incidents.unlink(this.ticket().ticketId, otherId));
  }

  private run(call: Observable<Ticket>): void {
    call.subscribe({
      next: () => this.changed.emit(),
      error: (error: unknown) => this.toasts.show(this.i18n.t('common.error', { message: toApiError(error).message }), 'error'),
    });
  }
}
