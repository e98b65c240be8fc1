import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, output, signal, untracked, viewChild } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Subscription } from 'rxjs';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { Conversation, HandedOffEvent, Message, MessageEvent, Ticket } from '../core/models';
import { SocketService } from '../core/socket.service';
import { ToastService } from '../core/toast.service';
import { Composed, TicketComposer } from '../tickets/ticket-composer';
import { TicketService } from '../tickets/ticket.service';
import { AgentName } from '../widgets/agent-name';
import { ConversationStream } from './conversation-stream';
import { ConversationService } from './conversation.service';
import { mergeStream, upsertMessage } from './stream';

/** The stream of a ticket and/or its conversation with the composer under it and who answers
 * the customer (assistant or agents, handed over here); live: the customer's messages, the
 * delivery of replies and handoffs arrive over Socket.IO. Used by the ticket page and the
 * conversation page alike. */
@Component({
  selector: 'app-conversation-panel',
  imports: [AgentName, ConversationStream, TicketComposer],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (conversation(); as conversation) {
      <div class="mb-3 flex flex-wrap items-center justify-between gap-2 rounded-lg border border-gray-200 bg-white px-3 py-2 text-sm" data-testid="handoff" [attr.data-handled-by]="conversation.handledBy">
        <span>
          @if (conversation.handledBy === 'agent') {
            {{ i18n.t('handoff.byAgents') }}
            @if (conversation.handlingAgent) { (<app-agent-name [id]="conversation.handlingAgent" />) }
          } @else {
            {{ i18n.t('handoff.byAssistant') }}
          }
        </span>
        @if (conversation.handledBy === 'agent') {
          <button type="button" (click)="handOff('assistant')" [disabled]="busy()" class="rounded-md border border-violet-300 px-3 py-1 text-sm font-medium text-violet-800 hover:bg-violet-50" data-testid="handoff-assistant">{{ i18n.t('handoff.toAssistant') }}</button>
        } @else {
          <button type="button" (click)="handOff('agent')" [disabled]="busy()" class="rounded-md border border-sky-300 px-3 py-1 text-sm font-medium text-sky-800 hover:bg-sky-50" data-testid="handoff-agent">{{ i18n.t('handoff.toAgents') }}</button>
        }
      </div>
    }
    <app-conversation-stream [items]="items()" />
    <div class="mt-4">
      <app-ticket-composer [canReply]="!!conversationId()" [canNote]="!!ticket()" [busy]="busy()" (sent)="send($event)" />
    </div>
  `,
})
export class ConversationPanel {
  protected readonly i18n = inject(I18nService);
  private readonly api = inject(ConversationService);
  private readonly tickets = inject(TicketService);
  private readonly socket = inject(SocketService);
  private readonly toasts = inject(ToastService);
  private readonly destroyRef = inject(DestroyRef);

  readonly conversationId = input<string | null>(null);
  /** The ticket whose notes, changes and assignment join the stream (and take notes). */
  readonly ticket = input<Ticket | null>(null);
  /** A note was added to the ticket (the page reads it again). */
  readonly noted = output<void>();

  protected readonly conversation = signal<Conversation | null>(null);
  private readonly messages = signal<Message[]>([]);
  protected readonly busy = signal(false);
  protected readonly items = computed(() => mergeStream(this.messages(), this.ticket()));
  private readonly composer = viewChild.required(TicketComposer);
  private live: Subscription | null = null;

  constructor() {
    effect(() => {
      const id = this.conversationId();
      untracked(() => this.follow(id));
    });
    this.destroyRef.onDestroy(() => this.live?.unsubscribe());
  }

  private follow(id: string | null): void {
    this.live?.unsubscribe();
    this.messages.set([]);
    this.conversation.set(null);
    if (!id) return;
    this.live = this.socket
      .conversation(id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe((event) => {
        if (event.name === 'conversation_handed_off') {
          const data = event.data as unknown as HandedOffEvent;
          this.conversation.update((c) => (c ? { ...c, handledBy: data.handledBy, handlingAgent: data.agentId } : c));
        } else {
          const data = event.data as unknown as MessageEvent;
          this.messages.update((list) => upsertMessage(list, data.message));
        }
      });
    this.api.get(id).subscribe({ next: (c) => this.conversation.set(c), error: () => undefined });
    this.api.messages(id).subscribe({
      // Live ones that came while the page loaded are kept.
      next: (loaded) => this.messages.update((live) => live.reduce(upsertMessage, loaded)),
      error: (error: unknown) => this.toasts.show(this.i18n.t('common.error', { message: toApiError(error).message }), 'error'),
    });
  }

  protected send(composed: Composed): void {
    const ticket = this.ticket();
    const conversationId = this.conversationId();
    this.busy.set(true);
    const done = () => {
      this.busy.set(false);
      this.composer().clear();
    };
    const failed = (error: unknown) => {
      this.busy.set(false);
      this.toasts.show(this.i18n.t('common.error', { message: toApiError(error).message }), 'error');
    };
    if (ticket && (composed.mode === 'note' || conversationId === ticket.conversationId)) {
      // From a ticket a reply is a public note sent to the customer: both stay on the ticket.
      const reply = composed.mode === 'reply';
      this.tickets.addNote(ticket.ticketId, composed.text, !reply, reply).subscribe({
        next: () => {
          done();
          this.noted.emit();
          if (reply && conversationId) this.refreshMessages(conversationId);
        },
        error: failed,
      });
      return;
    }
    if (!conversationId) return;
    this.api.reply(conversationId, composed.text, crypto.randomUUID()).subscribe({
      next: (message) => {
        done();
        this.messages.update((list) => upsertMessage(list, message));
      },
      error: failed,
    });
  }

  private refreshMessages(id: string): void {
    this.api.messages(id).subscribe({ next: (loaded) => this.messages.update((live) => live.reduce(upsertMessage, loaded)), error: () => undefined });
  }

  protected handOff(to: 'agent' | 'assistant'): void {
    const id = this.conversationId();
    if (!id) return;
    this.busy.set(true);
    this.api.handOff(id, to).subscribe({
      next: (conversation) => {
        this.busy.set(false);
        this.conversation.set(conversation);
        this.toasts.show(this.i18n.t(to === 'agent' ? 'handoff.done' : 'handoff.back'), 'success');
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.toasts.show(this.i18n.t('common.error', { message: toApiError(error).message }), 'error');
      },
    });
  }
}
