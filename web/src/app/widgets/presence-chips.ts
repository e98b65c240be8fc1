import { ChangeDetectionStrategy, Component, HostListener, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { PresenceService, initials } from '../core/presence.service';

/** The other agents viewing a ticket as initials chips; on the ticket page (`onPage`) also who
 * is typing, and this agent's own typing on the page is told to the others. */
@Component({
  selector: 'app-presence-chips',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (viewers().length) {
      <span class="inline-flex items-center gap-1 align-middle" [title]="i18n.t('presence.viewing', { names: names() })" data-testid="presence">
        @for (viewer of viewers(); track viewer.agentId) {
          <span class="inline-flex h-6 w-6 items-center justify-center rounded-full bg-teal-600 text-[10px] font-semibold text-white ring-2 ring-white" [class.animate-pulse]="viewer.typing" [attr.data-viewer]="viewer.agentId" [attr.aria-label]="viewer.name">{{ initials(viewer.name) }}</span>
        }
        @if (onPage() && typing()) {
          <span class="ml-1 text-xs text-gray-600" data-testid="typing">{{ i18n.t('presence.typing', { names: typing() }) }}</span>
        }
      </span>
    }
  `,
})
export class PresenceChips {
  protected readonly i18n = inject(I18nService);
  private readonly presence = inject(PresenceService);
  readonly ticketId = input.required<string>();
  readonly onPage = input(false);
  protected readonly initials = initials;
  protected readonly viewers = computed(() => this.presence.viewers(this.ticketId()));
  protected readonly names = computed(() => this.viewers().map((v) => v.name).join(', '));
  protected readonly typing = computed(() => this.viewers().filter((v) => v.typing).map((v) => v.name).join(', '));

  @HostListener('document:input', ['$event'])
  protected typed(event: Event): void {
    if (!this.onPage()) return;
    const target = event.target as Element | null;
    if (target?.closest('app-ticket-detail') && target.matches('textarea, input[type=text], input:not([type])')) {
      this.presence.typing(this.ticketId());
    }
  }
}
