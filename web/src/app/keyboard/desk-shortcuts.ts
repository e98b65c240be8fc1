import { DOCUMENT } from '@angular/common';
import { Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';

import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { ToastService } from '../core/toast.service';
import { toApiError } from '../core/api-error';
import { refusalText } from '../tickets/bulk';
import { TicketService } from '../tickets/ticket.service';
import { KeyboardService, Shortcut, focusFirst } from './keyboard.service';

/** Where `r` and `n` put the cursor: the composer's hooks (`data-shortcut`), else today's
 * note box on the ticket page. */
export const REPLY_TARGETS = ['[data-shortcut="reply"]', '[data-testid="note-content"]'];
export const NOTE_TARGETS = ['[data-shortcut="note"]', '[data-testid="note-content"]'];
export const SEARCH_TARGETS = ['[data-shortcut="search"]'];

/** The console's global keys (the shell starts them): `/` search, `?` help, and on a ticket's
 * page `a` (assign it to me), `r` (reply), `n` (internal note). Lists add j/k/Enter/a. */
@Injectable({ providedIn: 'root' })
export class DeskShortcuts {
  private readonly keyboard = inject(KeyboardService);
  private readonly document = inject(DOCUMENT);
  private readonly router = inject(Router);
  private readonly tickets = inject(TicketService);
  private readonly auth = inject(AuthService);
  private readonly toasts = inject(ToastService);
  private readonly i18n = inject(I18nService);

  readonly global: Shortcut[] = [
    { key: '/', help: 'keys.search', run: () => focusFirst(this.document, ...SEARCH_TARGETS) },
    { key: '?', help: 'keys.help', run: () => this.keyboard.helpOpen.update((open) => !open) },
    { key: 'a', help: 'keys.assign', run: () => this.assignOpen() },
    { key: 'r', help: 'keys.reply', run: () => focusFirst(this.document, ...REPLY_TARGETS) },
    { key: 'n', help: 'keys.note', run: () => focusFirst(this.document, ...NOTE_TARGETS) },
  ];

  /** Listen and register the global keys; the returned function stops both. */
  start(): () => void {
    const stop = this.keyboard.listen();
    const off = this.keyboard.register(this.global);
    return () => {
      off();
      stop();
    };
  }

  /** The ticket whose page is open, if any. */
  private openTicket(): string | null {
    const match = /^\/tickets\/([^/?#]+)/.exec(this.router.url);
    return match && match[1] !== 'new' ? decodeURIComponent(match[1]) : null;
  }

  private assignOpen(): void {
    const id = this.openTicket();
    if (id) this.assignToMe(id);
  }

  /** Assign `id` to me (one bulk request: no version to know), and say how it went. */
  assignToMe(id: string): void {
    const me = this.auth.agent?.id;
    if (!me) return;
    this.tickets.bulk({ ticketIds: [id], action: { kind: 'assign', agentId: me } }).subscribe({
      next: (answer) => {
        const item = answer.results[0];
        if (item?.outcome === 'done') {
          this.toasts.show(this.i18n.t('keys.assigned', { id }), 'success');
        } else if (item) {
          const reason = refusalText(item, (key, params) => this.i18n.t(key, params), (s) => this.i18n.status(s));
          this.toasts.show(this.i18n.t('keys.assignRefused', { id, reason }), 'error');
        }
      },
      error: (error: unknown) => this.toasts.show(this.i18n.t('keys.assignRefused', { id, reason: toApiError(error).message }), 'error'),
    });
  }
}
