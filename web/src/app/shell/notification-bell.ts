import { ChangeDetectionStrategy, Component, ElementRef, HostListener, inject, signal } from '@angular/core';
import { Router } from '@angular/router';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { AgentNotification, NotificationService } from '../core/notifications.service';

const KIND_TEXT: Record<AgentNotification['kind'], MessageKey> = {
  assigned: 'notifications.assigned',
  reassigned_away: 'notifications.reassignedAway',
  mentioned: 'notifications.mentioned',
  customer_replied: 'notifications.customerReplied',
  sla_warning: 'notifications.slaWarning',
  sla_breached: 'notifications.slaBreached',
};

/** The header's bell: the unread count, and a dropdown of the newest notifications (a click
 * opens the ticket and marks it read). */
@Component({
  selector: 'app-notification-bell',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="relative">
      <button type="button" class="relative rounded-md p-2 text-gray-600 hover:bg-gray-100" (click)="open.set(!open())" [attr.aria-expanded]="open()" [attr.aria-label]="i18n.t('notifications.title') + (notifications.unread() ? ' (' + notifications.unread() + ')' : '')" data-testid="bell">
        <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/></svg>
        @if (notifications.unread()) {
          <span class="absolute -right-0.5 -top-0.5 min-w-[1.1rem] rounded-full bg-red-600 px-1 text-center text-[11px] font-semibold leading-[1.1rem] text-white" data-testid="bell-count">{{ notifications.unread() > 99 ? '99+' : notifications.unread() }}</span>
        }
      </button>
      @if (open()) {
        <div class="absolute right-0 z-50 mt-1 w-80 max-w-[calc(100vw-1rem)] rounded-lg border border-gray-200 bg-white shadow-lg" role="dialog" [attr.aria-label]="i18n.t('notifications.title')" data-testid="notifications">
          <div class="flex items-center justify-between border-b border-gray-100 px-3 py-2">
            <span class="text-sm font-semibold text-gray-900">{{ i18n.t('notifications.title') }}</span>
            @if (notifications.unread()) {
              <button type="button" class="text-xs text-indigo-700 hover:underline" (click)="notifications.markAllRead()" data-testid="mark-all-read">{{ i18n.t('notifications.markAllRead') }}</button>
            }
          </div>
          @if (notifications.items().length === 0) {
            <p class="px-3 py-6 text-center text-sm text-gray-500">{{ i18n.t('notifications.empty') }}</p>
          }
          <ul class="max-h-96 divide-y divide-gray-100 overflow-y-auto">
            @for (item of notifications.items(); track item.id) {
              <li>
                <button type="button" class="block w-full px-3 py-2 text-left hover:bg-gray-50" [class.bg-indigo-50]="!item.read" (click)="go(item)" [attr.data-notification]="item.kind" [attr.data-read]="item.read">
                  <span class="flex items-start gap-2">
                    <span class="mt-1.5 h-2 w-2 shrink-0 rounded-full" [class]="item.read ? 'bg-transparent' : 'bg-indigo-600'" aria-hidden="true"></span>
                    <span class="min-w-0">
                      <span class="block text-sm text-gray-900" [class.font-semibold]="!item.read">{{ text(item) }}</span>
                      @if (item.excerpt) {
                        <span class="block truncate text-xs text-gray-600">{{ item.excerpt }}</span>
                      }
                      <span class="block text-xs text-gray-500">{{ i18n.ago(item.createdAt) }}</span>
                    </span>
                  </span>
                </button>
              </li>
            }
          </ul>
        </div>
      }
    </div>
  `,
})
export class NotificationBell {
  protected readonly i18n = inject(I18nService);
  protected readonly notifications = inject(NotificationService);
  private readonly router = inject(Router);
  private readonly host = inject(ElementRef<HTMLElement>);
  protected readonly open = signal(false);

  protected text(item: AgentNotification): string {
    return this.i18n.t(KIND_TEXT[item.kind], { id: item.ticketId, name: item.byName ?? '' });
  }

  protected go(item: AgentNotification): void {
    this.open.set(false);
    this.notifications.markRead(item);
    void this.router.navigate(['/tickets', item.ticketId]);
  }

  @HostListener('document:click', ['$event'])
  protected outside(event: MouseEvent): void {
    if (this.open() && !this.host.nativeElement.contains(event.target as Node)) this.open.set(false);
  }
}
