import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';
import { Preset } from '../core/models';
import { ToastService } from '../core/toast.service';
import { SaveState, SaveStatus } from './save-state';
import { PresetImpact, SettingsService } from './settings.service';
import { categoryLabel } from '../core/config.service';

/** Industry presets: browse, apply (after confirming: the open tickets of each category the
 * preset removes counted, each mappable to a kept category; brand and terminology changes
 * said), save the current setup, delete custom. */
@Component({
  selector: 'app-presets-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    <ul class="mt-2 grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
      @for (preset of presets(); track preset.id) {
        <li class="flex flex-col rounded-lg border border-gray-200 bg-white p-4" [attr.data-preset]="preset.id">
          <div class="flex items-start justify-between gap-2">
            <h2 class="font-medium text-gray-900">{{ preset.name }}</h2>
            <span class="shrink-0 rounded-full px-2 py-0.5 text-xs" [class]="preset.builtin ? 'bg-gray-100 text-gray-700' : 'bg-indigo-50 text-indigo-700'">{{ preset.builtin ? i18n.t('presets.builtin') : i18n.t('presets.custom') }}</span>
          </div>
          <p class="mt-1 flex-1 text-sm text-gray-600">{{ preset.description }}</p>
          <p class="mt-2 text-xs text-gray-500">{{ preset.ticketIdFormat.prefix }} · {{ preset.ticketTerminology.ticketSingular }} · {{ i18n.t('presets.categoriesCount', { count: preset.ticketCategories.length }) }}</p>
          <div class="mt-2 flex flex-wrap gap-1">
            @for (category of preset.ticketCategories; track category.id) {
              <span class="rounded px-1.5 py-0.5 text-[11px]" [style.background]="(category.color ?? '#6B7280') + '22'" [style.color]="category.color ?? '#374151'">{{ category.label }}</span>
            }
          </div>
          @if (confirming() === preset.id) {
            <div class="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900" role="alertdialog" [attr.aria-label]="preset.name">
              <p>{{ pendingDelete() ? i18n.t('presets.deleteConfirm', { name: preset.name }) : i18n.t('presets.applyConfirm', { name: preset.name }) }}</p>
              @if (!pendingDelete() && impact(); as impact) {
                <div class="mt-2 space-y-2" data-testid="preset-impact">
                  @if (impact.companyName !== impact.presetCompanyName) {
                    <p class="font-medium">{{ i18n.t('presets.brandChanges', { from: impact.companyName, to: impact.presetCompanyName }) }}</p>
                  }
                  @if (impact.terminologyChanges) {
                    <p>{{ i18n.t('presets.termsChange') }}</p>
                  }
                  @if (used(impact).length) {
                    <p>{{ i18n.t('presets.openInRemoved', { count: openTotal(impact) }) }}</p>
                    <ul class="space-y-1">
                      @for (removed of used(impact); track removed.id) {
                        <li class="flex flex-wrap items-center gap-2" [attr.data-removed]="removed.id">
                          <span class="font-medium">{{ label(removed) }}</span>
                          <span class="text-xs">({{ i18n.t('presets.openCount', { count: removed.openTickets }) }})</span>
                          <label class="text-xs">{{ i18n.t('presets.mapTo') }}
                            <select class="ml-1 rounded-md border border-amber-300 bg-white px-2 py-1 text-sm text-gray-900" (change)="mapTo(removed.id, $any($event.target).value)" [attr.data-testid]="'map-' + removed.id">
                              <option value="" [selected]="!mapping()[removed.id]">{{ i18n.t('presets.keepAsIs') }}</option>
                              @for (kept of impact.kept; track kept.id) {
                                <option [value]="kept.id" [selected]="mapping()[removed.id] === kept.id">{{ label(kept) }}</option>
                              }
                            </select>
                          </label>
                        </li>
                      }
                    </ul>
                  } @else if (impact.removed.length) {
                    <p>{{ i18n.t('presets.noneOpen') }}</p>
                  }
                </div>
              }
              <div class="mt-2 flex gap-2">
                <button type="button" class="rounded-md bg-amber-600 px-3 py-1.5 text-sm font-medium text-white" (click)="pendingDelete() ? remove(preset) : apply(preset)" data-testid="preset-confirm">{{ i18n.t('common.confirm') }}</button>
                <button type="button" class="rounded-md border border-amber-300 px-3 py-1.5 text-sm" (click)="confirming.set(null)">{{ i18n.t('common.cancel') }}</button>
              </div>
            </div>
          } @else {
            <div class="mt-3 flex gap-2">
              <button type="button" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50" [disabled]="save_.busy()" (click)="ask(preset, false)" data-testid="preset-apply">{{ i18n.t('presets.apply') }}</button>
              @if (!preset.builtin) {
                <button type="button" class="rounded-md border border-red-200 px-3 py-1.5 text-sm text-red-700" (click)="ask(preset, true)" data-testid="preset-delete">{{ i18n.t('common.delete') }}</button>
              }
            </div>
          }
        </li>
      }
    </ul>
    <form [formGroup]="form" (ngSubmit)="saveCurrent()" class="mt-6 max-w-2xl space-y-2 rounded-lg border border-gray-200 bg-white p-4">
      <h2 class="text-sm font-medium text-gray-900">{{ i18n.t('presets.saveCurrent') }}</h2>
      <div class="grid gap-2 sm:grid-cols-2">
        <label class="text-xs text-gray-600">{{ i18n.t('presets.id') }}<input formControlName="id" placeholder="my-preset" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 font-mono text-sm" data-testid="preset-id" />
          <span class="text-red-700" role="alert">{{ save_.reason('id') }}</span></label>
        <label class="text-xs text-gray-600">{{ i18n.t('presets.name') }}<input formControlName="name" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" data-testid="preset-name" /></label>
      </div>
      <label class="block text-xs text-gray-600">{{ i18n.t('presets.description') }}<input formControlName="description" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" /></label>
      <button type="submit" [disabled]="save_.busy() || form.invalid" class="rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium disabled:opacity-50" data-testid="preset-save">{{ i18n.t('common.save') }}</button>
    </form>
  `,
})
export class PresetsSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  private readonly toasts = inject(ToastService);
  protected readonly save_ = new SaveState();
  protected readonly presets = signal<Preset[]>([]);
  protected readonly confirming = signal<string | null>(null);
  protected readonly pendingDelete = signal(false);
  protected readonly form = new FormGroup({
    id: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    name: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    description: new FormControl('', { nonNullable: true }),
  });

  ngOnInit(): void {
    this.settings.presets().subscribe((presets) => this.presets.set(presets));
  }

  protected readonly impact = signal<PresetImpact | null>(null);
  protected readonly mapping = signal<Record<string, string>>({});

  protected ask(preset: Preset, remove: boolean): void {
    this.pendingDelete.set(remove);
    this.confirming.set(preset.id);
    this.impact.set(null);
    this.mapping.set({});
    if (!remove) {
      this.settings.presetImpact(preset.id).subscribe({
        next: (impact) => {
          if (this.confirming() === preset.id) this.impact.set(impact);
        },
        error: () => undefined,
      });
    }
  }

  /** The removed categories that open tickets still use (those the admin may map). */
  protected used(impact: PresetImpact): PresetImpact['removed'] {
    return impact.removed.filter((removed) => removed.openTickets > 0);
  }

  protected openTotal(impact: PresetImpact): number {
    return this.used(impact).reduce((sum, removed) => sum + removed.openTickets, 0);
  }

  protected label(category: { id: string; label: string; labelEn?: string | null }): string {
    return categoryLabel(category, category.id, this.i18n.language());
  }

  protected mapTo(removed: string, kept: string): void {
    const mapping = { ...this.mapping() };
    if (kept) mapping[removed] = kept;
    else delete mapping[removed];
    this.mapping.set(mapping);
  }

  protected apply(preset: Preset): void {
    this.confirming.set(null);
    this.save_.run(this.settings.applyPreset(preset.id, this.mapping()), () =>
      this.toasts.show(this.i18n.t('presets.applied', { name: preset.name }), 'success'),
    );
  }

  protected remove(preset: Preset): void {
    this.confirming.set(null);
    this.save_.run(this.settings.deletePreset(preset.id), (presets) => this.presets.set(presets));
  }

  protected saveCurrent(): void {
    const { id, name, description } = this.form.getRawValue();
    this.save_.run(this.settings.savePreset(id.trim(), name, description), () => {
      this.form.reset();
      this.ngOnInit();
    });
  }
}
