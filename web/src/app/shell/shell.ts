import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { filter } from 'rxjs';

import { AuthService } from '../core/auth.service';
import { ConfigService } from '../core/config.service';
import { I18nService } from '../core/i18n.service';
import { SocketService, eventTicketId } from '../core/socket.service';
import { ToastService } from '../core/toast.service';
import { NotificationBell } from './notification-bell';
import { Toasts } from './toasts';
import { GlobalSearch } from '../search/global-search';
import { DeskShortcuts } from '../keyboard/desk-shortcuts';
import { ShortcutHelp } from '../keyboard/shortcut-help';
import { KeyboardService } from '../keyboard/keyboard.service';

/** The signed-in frame: header with navigation, live indicator, the screen, toasts. */
@Component({
  selector: 'app-shell',
  imports: [AsyncPipe, RouterOutlet, RouterLink, RouterLinkActive, NotificationBell, Toasts, GlobalSearch, ShortcutHelp],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a href="#main" (click)="skip($event)" class="sr-only z-50 rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white focus:not-sr-only focus:fixed focus:left-2 focus:top-2" data-testid="skip-link">{{ i18n.t('app.skip') }}</a>
    <header class="sticky top-0 z-40 border-b border-gray-200 bg-white">
      <div class="mx-auto flex h-14 max-w-7xl items-center gap-4 px-4">
        <a routerLink="/tickets" class="flex items-center gap-2 font-semibold text-gray-900">
          <span class="inline-flex h-7 w-7 items-center justify-center rounded-md bg-indigo-600 text-sm text-white">{{ initial() }}</span>
          <span class="max-w-[9rem] truncate sm:max-w-none">{{ (config.config$ | async)?.companyName }}</span>
        </a>
        <nav class="hidden items-center gap-1 md:flex" aria-label="main">
          @for (link of links(); track link.path) {
            <a [routerLink]="link.path" routerLinkActive="bg-gray-100 text-gray-900" class="rounded-md px-3 py-2 text-sm font-medium text-gray-600 hover:bg-gray-50 hover:text-gray-900">{{ link.label }}</a>
          }
        </nav>
        <div class="ml-auto flex items-center gap-3">
          @defer (on idle) {
            <app-global-search />
          }
          <a routerLink="/tickets/new" class="hidden rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 sm:inline-block" data-testid="new-ticket">+ {{ i18n.t('tickets.new') }}</a>
          <span class="flex items-center gap-1.5 text-xs text-gray-500" [title]="(socket.connected$ | async) ? i18n.t('app.live') : i18n.t('app.offline')" data-testid="live">
            <span class="h-2 w-2 rounded-full" [class]="(socket.connected$ | async) ? 'bg-green-500' : 'bg-gray-300'"></span>
            <span class="hidden lg:inline">{{ (socket.connected$ | async) ? i18n.t('app.live') : i18n.t('app.offline') }}</span>
          </span>
          <app-notification-bell />
          <span class="hidden text-sm text-gray-700 lg:inline" data-testid="me">{{ auth.agent?.firstName }} {{ auth.agent?.lastName }}</span>
          <button type="button" (click)="auth.logout()" class="hidden rounded-md px-2 py-1 text-sm text-gray-600 hover:bg-gray-100 md:inline-block">{{ i18n.t('app.signOut') }}</button>
          <button type="button" class="rounded-md p-2 text-gray-600 hover:bg-gray-100 md:hidden" (click)="menuOpen.set(!menuOpen())" [attr.aria-expanded]="menuOpen()" aria-controls="mobile-menu">
            <span class="sr-only">{{ i18n.t('app.menu') }}</span>
            <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16"/></svg>
          </button>
        </div>
      </div>
      @if (menuOpen()) {
        <nav id="mobile-menu" class="border-t border-gray-200 px-4 py-2 md:hidden" aria-label="mobile">
          <a routerLink="/tickets/new" class="block rounded-md px-3 py-2 text-sm font-medium text-indigo-700">+ {{ i18n.t('tickets.new') }}</a>
          @for (link of links(); track link.path) {
            <a [routerLink]="link.path" routerLinkActive="bg-gray-100" class="block rounded-md px-3 py-2 text-sm text-gray-700">{{ link.label }}</a>
          }
          <button type="button" (click)="auth.logout()" class="block w-full rounded-md px-3 py-2 text-left text-sm text-gray-700">{{ i18n.t('app.signOut') }}</button>
        </nav>
      }
    </header>
    <main id="main" tabindex="-1" class="mx-auto max-w-7xl px-3 py-4 outline-none sm:px-4 sm:py-6">
      <router-outlet />
    </main>
    <app-toasts />
    @if (keyboard.helpOpen()) {
      @defer (on immediate) {
        <app-shortcut-help />
      }
    }
  `,
})
export class Shell {
  protected readonly auth = inject(AuthService);
  protected readonly config = inject(ConfigService);
  protected readonly i18n = inject(I18nService);
  protected readonly socket = inject(SocketService);
  protected readonly menuOpen = signal(false);
  protected readonly keyboard = inject(KeyboardService);

  constructor() {
    inject(DestroyRef).onDestroy(inject(DeskShortcuts).start());
    inject(Router)
      .events.pipe(filter((event) => event instanceof NavigationEnd), takeUntilDestroyed())
      .subscribe(() => this.menuOpen.set(false));
    const toasts = inject(ToastService);
    // Someone else gave me a ticket (escalations too): say so wherever I am.
    this.socket
      .on('ticket_assigned', 'ticket_escalated')
      .pipe(takeUntilDestroyed())
      .subscribe((event) => {
        const me = this.auth.agent?.id;
        const to = event.data['agentId'] ?? event.data['toAgent'];
        const by = event.data['assignedBy'] ?? null;
        if (!me || to !== me || by === me) return;
        const id = eventTicketId(event) ?? '';
        toasts.show(this.i18n.t('tickets.assignedToYou', { id }), 'info', `/tickets/${id}`);
      });
  }

  /** The skip link moves focus into the screen (the address stays the screen's). */
  protected skip(event: Event): void {
    event.preventDefault();
    document.getElementById('main')?.focus();
  }

  protected initial(): string {
    return (this.config.snapshot?.companyName ?? 'U').slice(0, 1).toUpperCase();
  }

  protected links(): { path: string; label: string }[] {
    const links = [
      { path: '/dashboard', label: this.i18n.t('nav.dashboard') },
      { path: '/tickets', label: this.i18n.t('nav.tickets') },
      { path: '/map', label: this.i18n.t('nav.map') },
      { path: '/conversations', label: this.i18n.t('nav.conversations') },
      { path: '/customers', label: this.i18n.t('nav.customers') },
    ];
    // Admins manage the shared ones under Settings; every agent keeps its own here.
    if (!this.auth.isAdmin) links.push({ path: '/replies', label: this.i18n.t('nav.replies') });
    if (this.auth.isAdmin) links.push({ path: '/reports', label: this.i18n.t('nav.reports') });
    if (this.auth.isAdmin) links.push({ path: '/settings', label: this.i18n.t('nav.settings') });
    return links;
  }
}
