import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { debounceTime } from 'rxjs';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { Conversation, Pagination } from '../core/models';
import { CONVERSATION_EVENTS, SocketService } from '../core/socket.service';
import { CustomerName } from '../customers/customer-name';
import { AgentName } from '../widgets/agent-name';
import { Pager } from '../widgets/pager';
import { ConversationFilter, ConversationService } from './conversation.service';

const FILTERS: { id: ConversationFilter; label: MessageKey }[] = [
  { id: 'waiting', label: 'conversations.waiting' },
  { id: 'agent', label: 'conversations.byAgent' },
  { id: 'assistant', label: 'conversations.byAssistant' },
  { id: 'all', label: 'conversations.all' },
];
const PAGE_SIZE = 25;

/** `/conversations?filter=`: conversations handled by the assistant, by agents, or waiting for
 * an answer (the customer wrote last); most recent first, refreshed as messages arrive. */
@Component({
  selector: 'app-conversation-list',
  imports: [RouterLink, AgentName, CustomerName, Pager],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1 class="mb-3 text-xl font-semibold text-gray-900">{{ i18n.t('conversations.title') }}</h1>
    <div class="mb-3 flex gap-1 overflow-x-auto border-b border-gray-200" role="tablist">
      @for (item of filters; track item.id) {
        <button type="button" role="tab" [attr.aria-selected]="filter() === item.id" (click)="choose(item.id)" class="-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium" [class]="filter() === item.id ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-gray-600 hover:text-gray-900'" [attr.data-filter]="item.id">{{ i18n.t(item.label) }}</button>
      }
    </div>
    @if (problem()) {
      <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ problem() }}</p>
    }
    @if (conversations().length === 0 && !loading()) {
      <p class="text-sm text-gray-500">{{ i18n.t('conversations.empty') }}</p>
    }
    <ul class="divide-y divide-gray-100 rounded-lg border border-gray-200 bg-white" data-testid="conversation-list">
      @for (conversation of conversations(); track conversation.id) {
        <li>
          <a [routerLink]="['/conversations', conversation.id]" class="flex flex-wrap items-center justify-between gap-2 px-4 py-3 hover:bg-gray-50" [attr.data-conversation]="conversation.id">
            <span class="min-w-0">
              <span class="font-medium text-gray-900"><app-customer-name [id]="conversation.customerId" /></span>
              <span class="ml-2 text-xs text-gray-500">{{ i18n.source(conversation.channel) }} · {{ i18n.conversationStatus(conversation.status) }}</span>
            </span>
            <span class="flex items-center gap-2 text-xs">
              @if (conversation.waiting) {
                <span class="rounded bg-amber-100 px-1.5 py-0.5 font-medium text-amber-900" data-testid="waiting">{{ i18n.t('conversations.waitingBadge') }}</span>
              }
              <span class="rounded px-1.5 py-0.5" [class]="conversation.handledBy === 'agent' ? 'bg-sky-100 text-sky-800' : 'bg-violet-100 text-violet-800'">
                @if (conversation.handledBy === 'agent') {
                  {{ i18n.t('handoff.byAgents') }}
                  @if (conversation.handlingAgent) { · <app-agent-name [id]="conversation.handlingAgent" /> }
                } @else {
                  {{ i18n.t('handoff.byAssistant') }}
                }
              </span>
              <time class="text-gray-500" [title]="i18n.dateTime(conversation.lastMessageAt ?? conversation.updatedAt)">{{ i18n.ago(conversation.lastMessageAt ?? conversation.updatedAt) }}</time>
            </span>
          </a>
        </li>
      }
    </ul>
    <app-pager [pagination]="pagination()" (go)="load($event)" />
  `,
})
export class ConversationList implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly api = inject(ConversationService);
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  private readonly socket = inject(SocketService);
  private readonly destroyRef = inject(DestroyRef);
  protected readonly filters = FILTERS;
  protected readonly filter = signal<ConversationFilter>('waiting');
  protected readonly conversations = signal<Conversation[]>([]);
  protected readonly pagination = signal<Pagination | null>(null);
  protected readonly loading = signal(true);
  protected readonly problem = signal('');

  ngOnInit(): void {
    const asked = this.route.snapshot.queryParamMap.get('filter');
    if (FILTERS.some((f) => f.id === asked)) this.filter.set(asked as ConversationFilter);
    this.load(1);
    this.socket
      .on(...CONVERSATION_EVENTS)
      .pipe(debounceTime(500), takeUntilDestroyed(this.destroyRef))
      .subscribe(() => this.load(this.pagination()?.page ?? 1));
  }

  protected choose(filter: ConversationFilter): void {
    this.filter.set(filter);
    void this.router.navigate([], { queryParams: { filter }, replaceUrl: true });
    this.load(1);
  }

  protected load(page: number): void {
    this.api.list(this.filter(), page, PAGE_SIZE).subscribe({
      next: (result) => {
        this.loading.set(false);
        this.problem.set('');
        this.conversations.set(result.conversations);
        this.pagination.set(result.pagination);
      },
      error: (error: unknown) => {
        this.loading.set(false);
        this.problem.set(toApiError(error).message);
      },
    });
  }
}
