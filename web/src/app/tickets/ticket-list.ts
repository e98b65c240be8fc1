import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, computed, inject, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Params, Router, RouterLink } from '@angular/router';
import { debounceTime, distinctUntilChanged, map } from 'rxjs';

import { ConfigService, categoryLabel } from '../core/config.service';
import { I18nService } from '../core/i18n.service';
import { SlaState, TicketStatus } from '../core/models';
import { SocketService, eventTicketId } from '../core/socket.service';
import { AuthService } from '../core/auth.service';
import { ToastService } from '../core/toast.service';
import { Pager } from '../widgets/pager';
import { TicketTable } from './ticket-table';
import { SavedViews } from './saved-views';
import { ViewCounts } from './view-counts';
import { ListFilters, TicketListState, VIEWS, ViewName, filtersFromParams, filtersToParams, sameFilters } from './ticket-list.state';
import { FilterOption, MultiFilter } from '../widgets/multi-filter';
import { PRIORITIES, STATUSES, statsKey } from './ticket-workflow';
import { STATUS_CLASSES } from './ticket-status-badge';
import { SLA_CLASSES, SLA_STATES } from './sla-view';
import { BulkBar } from './bulk-bar';
import { bulkFilter, refusalText } from './bulk';
import { BulkAnswer } from './ticket.service';
import { TicketSummary } from '../core/models';
import { KeyboardService, moved } from '../keyboard/keyboard.service';
import { DeskShortcuts } from '../keyboard/desk-shortcuts';
import { ExportCsv } from './export-csv';
import { FilterChips } from './filter-chips';

const SEARCH_DEBOUNCE_MS = 300;

/** `/tickets`: built-in views, filters (SLA state too, several values each), search, sort,
 * counts by status and of SLAs in warning or breached, the live list, pagination. Every filter
 * lives in the address: the controls are set from it and change it. */
@Component({
  selector: 'app-ticket-list',
  imports: [AsyncPipe, ReactiveFormsModule, RouterLink, TicketTable, Pager, MultiFilter, SavedViews, BulkBar, ExportCsv, FilterChips],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
      <h1 class="text-2xl font-semibold text-gray-900">{{ i18n.t('tickets.title') }}</h1>
      <span class="flex items-center gap-3">
        <a routerLink="/map" [queryParams]="params(filters())" class="text-sm font-medium text-indigo-700 hover:underline" data-testid="list-to-map">{{ i18n.t('map.asMap') }}</a>
        <a routerLink="/tickets/new" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700">+ {{ i18n.t('tickets.new') }}</a>
      </span>
    </div>

    <nav class="mb-3 flex gap-1 overflow-x-auto pb-1 text-sm" [attr.aria-label]="i18n.t('views.title')" data-testid="views">
      @for (view of views; track view.name) {
        <a routerLink="/tickets" [queryParams]="params(view.filters)" class="shrink-0 rounded-md px-3 py-1.5 font-medium" [class]="isView(view.filters) ? 'bg-indigo-600 text-white' : 'text-gray-700 hover:bg-gray-100'" [attr.aria-current]="isView(view.filters) ? 'page' : null" [attr.data-view]="view.name">{{ viewLabel(view.name) }}@if (viewCounts.counts()[view.name] !== undefined) {<span class="ml-1.5 rounded-full bg-black/10 px-1.5 text-xs" [attr.data-view-count]="view.name">{{ viewCounts.counts()[view.name] }}</span>}</a>
      }
      <app-saved-views [filters]="filters()" />
    </nav>

    @if (state.stats$ | async; as stats) {
      <div class="mb-4 flex gap-2 overflow-x-auto pb-1" data-testid="status-counts">
        <button type="button" (click)="set({ status: [] })" class="shrink-0 rounded-full border px-3 py-1 text-xs font-medium" [class]="filters().status.length === 0 ? 'border-indigo-500 bg-indigo-50 text-indigo-800' : 'border-gray-200 bg-white text-gray-700'">
          {{ i18n.t('common.total') }} <span class="ml-1 font-semibold">{{ stats.total }}</span>
        </button>
        @for (status of statuses; track status) {
          <button type="button" (click)="set({ status: [status] })" class="shrink-0 rounded-full border px-3 py-1 text-xs font-medium" [class]="filters().status.includes(status) ? 'border-indigo-500 ring-1 ring-indigo-500 ' + statusClasses[status] : 'border-transparent ' + statusClasses[status]" [attr.data-count-status]="status">
            {{ i18n.status(status) }} <span class="ml-1 font-semibold">{{ count(stats, status) }}</span>
          </button>
        }
        <span class="mx-1 w-px shrink-0 bg-gray-200" aria-hidden="true"></span>
        @for (state of attentionStates; track state) {
          <button type="button" (click)="toggleSla(state)" class="shrink-0 rounded-full border px-3 py-1 text-xs font-medium" [class]="filters().sla.includes(state) ? 'border-indigo-500 ring-1 ring-indigo-500 ' + slaClasses[state] : 'border-transparent ' + slaClasses[state]" [attr.aria-pressed]="filters().sla.includes(state)" [attr.data-count-sla]="state">
            {{ i18n.t('sla.badge', { state: slaLabel(state) }) }} <span class="ml-1 font-semibold">{{ (state === 'breached' ? stats.slaBreached : stats.slaWarning) ?? 0 }}</span>
          </button>
        }
      </div>
    }

    <div class="mb-4 grid grid-cols-2 gap-2 rounded-lg border border-gray-200 bg-white p-3 sm:grid-cols-3 lg:grid-cols-9" role="search">
      <label class="col-span-2 sm:col-span-3 lg:col-span-2">
        <span class="sr-only">{{ i18n.t('common.search') }}</span>
        <input type="search" [formControl]="search" [placeholder]="i18n.t('tickets.searchPlaceholder')" class="w-full rounded-md border border-gray-300 px-3 py-1.5 text-sm" data-testid="search" />
      </label>
      <div class="text-xs text-gray-600">{{ i18n.t('tickets.filterStatus') }}
        <app-multi-filter [label]="i18n.t('tickets.filterStatus')" [options]="statusOptions()" [selected]="filters().status" [anyLabel]="i18n.t('tickets.any')" (changed)="set({ status: $any($event) })" data-testid="filter-status" />
      </div>
      <div class="text-xs text-gray-600">{{ i18n.t('tickets.filterPriority') }}
        <app-multi-filter [label]="i18n.t('tickets.filterPriority')" [options]="priorityOptions()" [selected]="filters().priority" [anyLabel]="i18n.t('tickets.any')" (changed)="set({ priority: $any($event) })" data-testid="filter-priority" />
      </div>
      <div class="text-xs text-gray-600">{{ i18n.t('tickets.filterCategory') }}
        <app-multi-filter [label]="i18n.t('tickets.filterCategory')" [options]="categoryOptions()" [selected]="filters().category" [anyLabel]="i18n.t('tickets.any')" (changed)="set({ category: $event })" data-testid="filter-category" />
      </div>
      <label class="text-xs text-gray-600">{{ i18n.t('tickets.filterAssigned') }}
        <select class="mt-0.5 block w-full rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm text-gray-900" [value]="filters().assigned" (change)="set({ assigned: value($event) })" data-testid="filter-assigned">
          <option value="anyone" [selected]="filters().assigned === 'anyone'">{{ i18n.t('tickets.assignedAnyone') }}</option>
          <option value="me" [selected]="filters().assigned === 'me'">{{ i18n.t('tickets.assignedMe') }}</option>
          <option value="unassigned" [selected]="filters().assigned === 'unassigned'">{{ i18n.t('tickets.assignedUnassigned') }}</option>
        </select>
      </label>
      <div class="text-xs text-gray-600">{{ i18n.t('sla.title') }}
        <app-multi-filter [label]="i18n.t('sla.title')" [options]="slaOptions()" [selected]="filters().sla" [anyLabel]="i18n.t('tickets.any')" (changed)="set({ sla: $any($event) })" data-testid="filter-sla" />
      </div>
      <label class="flex items-end gap-2 pb-2 text-sm text-gray-700">
        <input type="checkbox" class="rounded border-gray-300" [checked]="filters().escalated" (change)="set({ escalated: $any($event.target).checked })" data-testid="filter-escalated" />{{ i18n.t('dashboard.escalated') }}
      </label>
      <label class="text-xs text-gray-600">{{ i18n.t('tickets.sort') }}
        <span class="mt-0.5 flex gap-1">
          <select class="block w-full min-w-0 rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm text-gray-900" [value]="filters().sortBy" (change)="set({ sortBy: value($event) })" data-testid="sort-by">
            <option value="" [selected]="filters().sortBy === ''">{{ filters().search ? i18n.t('tickets.sortRelevance') : i18n.t('tickets.sortCreated') }}</option>
            <option value="updatedAt" [selected]="filters().sortBy === 'updatedAt'">{{ i18n.t('tickets.sortUpdated') }}</option>
            <option value="priority" [selected]="filters().sortBy === 'priority'">{{ i18n.t('tickets.sortPriority') }}</option>
            <option value="status" [selected]="filters().sortBy === 'status'">{{ i18n.t('tickets.sortStatus') }}</option>
            <option value="ticketId" [selected]="filters().sortBy === 'ticketId'">{{ i18n.t('tickets.sortId') }}</option>
            <option value="slaDue" [selected]="filters().sortBy === 'slaDue'">{{ i18n.t('tickets.sortSlaDue') }}</option>
          </select>
          <button type="button" class="rounded-md border border-gray-300 px-2 text-sm" (click)="set({ sortOrder: filters().sortOrder === 'desc' ? 'asc' : 'desc' })" [attr.aria-label]="filters().sortOrder === 'desc' ? i18n.t('tickets.desc') : i18n.t('tickets.asc')" [title]="filters().sortOrder === 'desc' ? i18n.t('tickets.desc') : i18n.t('tickets.asc')" data-testid="sort-order">{{ filters().sortOrder === 'desc' ? '↓' : '↑' }}</button>
        </span>
      </label>
      <div class="flex items-end pb-1"><app-export-csv [filters]="filters()" /></div>
    </div>

    @if (hasExtraFilters()) {
      @defer (on immediate) {
        <app-filter-chips [filters]="filters()" (cleared)="set($event)" />
      }
    }

    @if (state.error$ | async; as error) {
      <p class="mb-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ i18n.t('common.error', { message: error.message }) }}</p>
    }

    @if (state.page$ | async; as page) {
      <p class="mb-2 text-xs text-gray-500" data-testid="ticket-count">{{ i18n.t('tickets.count', { total: page.pagination.total }) }}</p>
      @if (page.tickets.length === 0) {
        <p class="rounded-lg border border-dashed border-gray-300 bg-white p-8 text-center text-gray-500">{{ i18n.t('tickets.empty') }}</p>
      } @else {
        @if (chosen().size > 0 || allMatching()) {
          @defer (on immediate) {
            <app-bulk-bar [ids]="chosenIds()" [filter]="allMatching() ? bulkFilter() : null" [total]="page.pagination.total" [rows]="page.tickets" (applied)="bulkApplied($event)" (cleared)="clearSelection()" />
          }
          @if (!allMatching() && pageChosen(page.tickets) && page.pagination.total > page.tickets.length) {
            <button type="button" class="mb-2 text-sm font-medium text-indigo-700 hover:underline" (click)="allMatching.set(true)" data-testid="select-all-matching">{{ i18n.t('bulk.selectAllMatching', { count: page.pagination.total }) }}</button>
          }
        }
        @if (outcome(); as outcome) {
          <div class="mb-2 flex flex-wrap items-center gap-2 rounded-lg border px-3 py-2 text-sm" [class]="outcome.refused ? 'border-amber-300 bg-amber-50' : 'border-green-300 bg-green-50'" role="status" data-testid="bulk-outcome">
            <span class="font-medium">{{ i18n.t('bulk.outcome', { done: outcome.done, refused: outcome.refused }) }}</span>
            <button type="button" class="ml-auto text-xs text-gray-600 hover:underline" (click)="outcome$.set(null)">{{ i18n.t('bulk.dismiss') }}</button>
            @if (outcome.refused) {
              <ul class="w-full list-inside list-disc text-xs text-gray-700">
                @for (item of refusedItems(); track item[0]) {
                  <li><span class="font-mono">{{ item[0] }}</span>: {{ item[1] }}</li>
                }
              </ul>
            }
          </div>
        }
        <app-ticket-table [tickets]="page.tickets" [highlighted]="(state.highlighted$ | async) ?? empty" [selectable]="true" [chosen]="chosen()" [marks]="marks()" [cursor]="cursorId()" (toggled)="toggle($event)" (pageToggled)="choosePage(page.tickets, $event)" />
      }
      <app-pager [pagination]="page.pagination" (go)="set({ page: $event })" />
    } @else {
      <p class="text-gray-500">{{ i18n.t('common.loading') }}</p>
    }
  `,
})
export class TicketList implements OnInit {
  protected readonly i18n = inject(I18nService);
  protected readonly config = inject(ConfigService);
  protected readonly state = inject(TicketListState);
  private readonly destroyRef = inject(DestroyRef);
  private readonly socket = inject(SocketService);
  private readonly toasts = inject(ToastService);
  private readonly auth = inject(AuthService);
  protected readonly viewCounts = inject(ViewCounts);

  protected readonly statuses = STATUSES;
  protected readonly priorities = PRIORITIES;
  protected readonly statusClasses = STATUS_CLASSES;
  protected readonly slaStates = SLA_STATES;
  protected readonly slaClasses = SLA_CLASSES;
  protected readonly attentionStates: SlaState[] = ['breached', 'warning'];
  protected readonly empty: ReadonlySet<string> = new Set();
  protected readonly views = VIEWS;
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  private readonly categories = toSignal(this.config.config$);
  protected readonly filters = toSignal(this.state.filters$, { requireSync: true });
  protected readonly search = new FormControl(this.state.filters$.value.search, { nonNullable: true });
  protected readonly statusOptions = computed<FilterOption[]>(() =>
    STATUSES.map((status) => ({ value: status, label: this.i18n.status(status) })),
  );
  protected readonly priorityOptions = computed<FilterOption[]>(() =>
    PRIORITIES.map((priority) => ({ value: priority, label: this.i18n.priority(priority) })),
  );
  protected readonly slaOptions = computed<FilterOption[]>(() =>
    SLA_STATES.map((state) => ({ value: state, label: this.slaLabel(state) })),
  );
  protected readonly categoryOptions = computed<FilterOption[]>(() =>
    (this.categories()?.ticketCategories ?? []).map((category) => ({ value: category.id, label: this.label(category) })),
  );

  /** Filters the bar has no control for (the Reports page's links): shown as removable chips. */
  protected readonly hasExtraFilters = computed(() => {
    const f = this.filters();
    return !!(f.agent.length || f.channel.length || f.source.length || f.createdFrom || f.createdTo || f.resolvedFrom || f.resolvedTo || f.figure);
  });

  // --- selection and bulk actions; the keyboard's cursor -----------------------------------

  private readonly rows = toSignal(this.state.page$.pipe(map((page) => page?.tickets ?? [])), { initialValue: [] as TicketSummary[] });
  protected readonly chosen = signal<ReadonlySet<string>>(new Set());
  protected readonly chosenIds = computed(() => [...this.chosen()]);
  /** "All matching" the filters rather than the rows ticked. */
  protected readonly allMatching = signal(false);
  protected readonly bulkFilter = computed(() => bulkFilter(this.filters()));
  protected readonly outcome$ = signal<BulkAnswer | null>(null);
  protected readonly outcome = this.outcome$.asReadonly();
  protected readonly marks = computed<ReadonlyMap<string, string>>(() => new Map(this.refusedItems()));
  protected readonly refusedItems = computed<[string, string][]>(() =>
    (this.outcome()?.results ?? [])
      .filter((item) => item.outcome === 'refused')
      .map((item) => [item.ticketId, refusalText(item, (key, params) => this.i18n.t(key, params), (s) => this.i18n.status(s))]),
  );
  private readonly cursor = signal(-1);
  protected readonly cursorId = computed(() => this.rows()[this.cursor()]?.ticketId ?? null);
  private readonly desk = inject(DeskShortcuts);
  private readonly keyboard = inject(KeyboardService);

  protected toggle(id: string): void {
    const chosen = new Set(this.chosen());
    if (!chosen.delete(id)) chosen.add(id);
    this.chosen.set(chosen);
    this.allMatching.set(false);
  }

  protected choosePage(tickets: TicketSummary[], on: boolean): void {
    const chosen = new Set(this.chosen());
    for (const ticket of tickets) {
      if (on) chosen.add(ticket.ticketId);
      else chosen.delete(ticket.ticketId);
    }
    this.chosen.set(chosen);
    this.allMatching.set(false);
  }

  protected pageChosen(tickets: TicketSummary[]): boolean {
    return tickets.length > 0 && tickets.every((ticket) => this.chosen().has(ticket.ticketId));
  }

  protected clearSelection(): void {
    this.chosen.set(new Set());
    this.allMatching.set(false);
  }

  protected bulkApplied(answer: BulkAnswer): void {
    this.outcome$.set(answer);
    this.clearSelection();
  }

  private moveCursor(step: number): void {
    this.cursor.set(moved(this.cursor(), step, this.rows().length));
    const id = this.cursorId();
    if (id) document.querySelector(`[data-ticket-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  private openCursor(): void {
    const id = this.cursorId();
    if (id) void this.router.navigate(['/tickets', id]);
  }

  private assignCursor(): void {
    const id = this.cursorId();
    if (id) this.desk.assignToMe(id);
  }

  ngOnInit(): void {
    this.keyboard.use(
      [
        { key: 'j', help: 'keys.down', run: () => this.moveCursor(1) },
        { key: 'k', help: 'keys.up', run: () => this.moveCursor(-1) },
        { key: 'Enter', help: 'keys.open', run: () => this.openCursor() },
        { key: 'a', help: 'keys.assign', run: () => this.assignCursor() },
      ],
      this.destroyRef,
    );
    this.state.filters$.pipe(takeUntilDestroyed(this.destroyRef)).subscribe(() => {
      this.clearSelection();
      this.cursor.set(-1);
    });
    this.route.queryParamMap.pipe(takeUntilDestroyed(this.destroyRef)).subscribe((params) => {
      const filters = filtersFromParams(params);
      this.state.apply(filters);
      if (this.search.value.trim() !== filters.search) this.search.setValue(filters.search, { emitEvent: false });
    });
    const subscription = this.state.connect();
    subscription.add(this.viewCounts.follow().subscribe((counts) => this.viewCounts.counts.set(counts)));
    this.destroyRef.onDestroy(() => subscription.unsubscribe());
    this.search.valueChanges
      .pipe(debounceTime(SEARCH_DEBOUNCE_MS), distinctUntilChanged(), takeUntilDestroyed(this.destroyRef))
      // Typed and undone within the debounce: the list already shows it (no navigation that
      // could overtake one the agent started meanwhile, such as Enter on a row).
      .subscribe((search) => {
        if (search.trim() !== this.filters().search) this.set({ search: search.trim() });
      });
    this.socket
      .on('ticket_created')
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe((event) => {
        const createdBy = event.data['createdBy'];
        if (createdBy === this.auth.agent?.id) return;
        const id = eventTicketId(event) ?? '';
        this.toasts.show(this.i18n.t('tickets.liveCreated', { id }), 'info', `/tickets/${id}`);
      });
  }

  /** Change the filters by changing the address (a new history entry: back undoes it). */
  protected set(changes: Partial<ListFilters>): void {
    void this.router.navigate(['/tickets'], { queryParams: filtersToParams(this.state.changed(changes)) });
  }

  protected viewLabel(name: ViewName): string {
    return this.i18n.t(`views.${name}`);
  }

  protected params(filters: ListFilters): Params {
    return filtersToParams(filters);
  }

  protected isView(filters: ListFilters): boolean {
    return sameFilters({ ...this.filters(), page: 1 }, filters);
  }

  protected slaLabel(state: SlaState): string {
    return this.i18n.t(`slaState.${state}`);
  }

  /** A count chip of the SLA strip: filters by its state, or clears the filter when it is on. */
  protected toggleSla(state: SlaState): void {
    const sla = this.filters().sla;
    this.set({ sla: sla.includes(state) ? sla.filter((s) => s !== state) : [...sla, state] });
  }

  protected value<T>(event: Event): T {
    return (event.target as HTMLSelectElement).value as T;
  }

  protected count(stats: object, status: TicketStatus): number {
    return (stats as Record<string, number>)[statsKey(status)] ?? 0;
  }

  protected label(category: { id: string; label: string; labelEn?: string | null }): string {
    return categoryLabel(category, category.id, this.i18n.language());
  }
}
