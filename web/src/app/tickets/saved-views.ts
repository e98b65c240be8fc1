import { ChangeDetectionStrategy, Component, OnInit, computed, inject, input, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import { RouterLink, convertToParamMap } from '@angular/router';

import { toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { ToastService } from '../core/toast.service';
import { ListFilters, filtersFromParams, filtersToParams, sameFilters } from './ticket-list.state';
import { SavedView, SavedViewsService } from './saved-views.service';

/** The saved views beside the built-in ones: links to their lists, "save this list" (shared
 * with everyone when an admin ticks it) and delete for the views the agent may remove. */
@Component({
  selector: 'app-saved-views',
  imports: [RouterLink, ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @for (view of views(); track view.id) {
      <span class="group inline-flex shrink-0 items-center rounded-md" [class]="isActive(view) ? 'bg-indigo-600 text-white' : 'text-gray-700 hover:bg-gray-100'" [attr.data-saved-view]="view.name">
        <a routerLink="/tickets" [queryParams]="view.filters" class="px-3 py-1.5 font-medium" [attr.aria-current]="isActive(view) ? 'page' : null" [title]="view.shared ? i18n.t('views.sharedHint') : ''">
          @if (view.shared) {<span aria-hidden="true">👥 </span><span class="sr-only">{{ i18n.t('views.sharedHint') }}: </span>}{{ view.name }}
        </a>
        @if (mayRemove(view)) {
          <button type="button" class="pr-2 text-xs opacity-60 hover:opacity-100" (click)="remove(view)" [attr.aria-label]="i18n.t('views.delete', { name: view.name })" [title]="i18n.t('views.delete', { name: view.name })" data-testid="delete-view">×</button>
        }
      </span>
    }
    @if (saving()) {
      <form class="inline-flex shrink-0 items-center gap-1" (submit)="$event.preventDefault(); save()" data-testid="save-view-form">
        <label class="sr-only" for="view-name">{{ i18n.t('views.name') }}</label>
        <input id="view-name" [formControl]="name" maxlength="60" class="w-40 rounded-md border border-gray-300 px-2 py-1 text-sm" [placeholder]="i18n.t('views.name')" (keydown.escape)="saving.set(false)" />
        @if (auth.agent?.role === 'admin') {
          <label class="flex items-center gap-1 text-xs text-gray-700"><input type="checkbox" [formControl]="shared" class="rounded border-gray-300" />{{ i18n.t('views.shared') }}</label>
        }
        <button type="submit" class="rounded-md bg-indigo-600 px-2 py-1 text-xs font-medium text-white disabled:opacity-50" [disabled]="name.invalid || busy()">{{ i18n.t('common.save') }}</button>
        <button type="button" class="rounded-md px-2 py-1 text-xs text-gray-600 hover:bg-gray-100" (click)="saving.set(false)">{{ i18n.t('common.cancel') }}</button>
      </form>
    } @else if (!matchesSaved()) {
      <button type="button" class="shrink-0 rounded-md px-3 py-1.5 text-gray-600 hover:bg-gray-100" (click)="startSaving()" data-testid="save-view">+ {{ i18n.t('views.save') }}</button>
    }
  `,
  host: { class: 'contents' },
})
export class SavedViews implements OnInit {
  /** The list's filters now (what "save" keeps, and what marks a view as open). */
  readonly filters = input.required<ListFilters>();

  protected readonly i18n = inject(I18nService);
  protected readonly auth = inject(AuthService);
  private readonly service = inject(SavedViewsService);
  private readonly toasts = inject(ToastService);

  protected readonly views = toSignal(this.service.views$, { initialValue: [] as SavedView[] });
  protected readonly saving = signal(false);
  protected readonly busy = signal(false);
  protected readonly name = new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.pattern(/\S/)] });
  protected readonly shared = new FormControl(false, { nonNullable: true });
  protected readonly matchesSaved = computed(() => this.views().some((view) => this.isActive(view)));

  ngOnInit(): void {
    this.service.refresh().subscribe({ error: () => undefined });
  }

  protected isActive(view: SavedView): boolean {
    return sameFilters({ ...this.filters(), page: 1 }, filtersFromParams(convertToParamMap(view.filters)));
  }

  protected mayRemove(view: SavedView): boolean {
    return !view.shared || this.auth.agent?.role === 'admin';
  }

  protected startSaving(): void {
    this.name.reset('');
    this.shared.reset(false);
    this.saving.set(true);
  }

  protected save(): void {
    if (this.name.invalid) return;
    this.busy.set(true);
    const filters = filtersToParams({ ...this.filters(), page: 1 }) as Record<string, string>;
    this.service.create({ name: this.name.value.trim(), filters, shared: this.shared.value }).subscribe({
      next: (view) => {
        this.busy.set(false);
        this.saving.set(false);
        this.toasts.show(this.i18n.t('views.savedAs', { name: view.name }), 'success');
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.toasts.show(toApiError(error).message, 'error');
      },
    });
  }

  protected remove(view: SavedView): void {
    if (!confirm(this.i18n.t('views.deleteConfirm', { name: view.name }))) return;
    this.service.remove(view.id).subscribe({
      error: (error: unknown) => this.toasts.show(toApiError(error).message, 'error'),
    });
  }
}
