import { ChangeDetectionStrategy, ChangeDetectorRef, Component, OnInit, inject } from '@angular/core';
import { FormArray, FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';
import { Category } from '../core/models';
import { Icon } from '../widgets/icon';
import { ICON_NAMES } from '../widgets/icons';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

type CategoryForm = FormGroup<{
  id: FormControl<string>;
  label: FormControl<string>;
  labelEn: FormControl<string>;
  icon: FormControl<string>;
  color: FormControl<string>;
  description: FormControl<string>;
  isFallback: FormControl<boolean>;
}>;

const DEFAULT_COLOR = '#6B7280';

export function categoryForm(category?: Category): CategoryForm {
  return new FormGroup({
    id: new FormControl(category?.id ?? '', { nonNullable: true, validators: [Validators.required] }),
    label: new FormControl(category?.label ?? '', { nonNullable: true, validators: [Validators.required] }),
    labelEn: new FormControl(category?.labelEn ?? '', { nonNullable: true }),
    icon: new FormControl(category?.icon ?? 'tag', { nonNullable: true }),
    color: new FormControl(category?.color ?? DEFAULT_COLOR, { nonNullable: true }),
    description: new FormControl(category?.description ?? '', { nonNullable: true }),
    // Not edited here yet: kept so saving the list keeps the fallback the server marked.
    isFallback: new FormControl(category?.isFallback ?? false, { nonNullable: true }),
  });
}

export function toCategory(form: CategoryForm): Category {
  const value = form.getRawValue();
  return {
    id: value.id.trim(),
    label: value.label.trim(),
    labelEn: value.labelEn.trim() || null,
    icon: value.icon || null,
    color: value.color || null,
    description: value.description.trim() || null,
    ...(value.isFallback ? { isFallback: true } : {}),
  };
}

const INPUT = 'block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm';

/** Categories editor: add, edit, remove, reorder; colour, icon, English label. */
@Component({
  selector: 'app-categories-settings',
  imports: [ReactiveFormsModule, Icon, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="space-y-3">
      <ol formArrayName="categories" class="space-y-3">
        @for (row of rows.controls; track row; let i = $index; let last = $last) {
          <li [formGroupName]="i" class="rounded-lg border border-gray-200 bg-white p-3" data-testid="category-row">
            <div class="mb-2 flex items-center gap-2">
              <span class="inline-flex h-8 w-8 items-center justify-center rounded-md" [style.background]="row.controls.color.value + '22'" [style.color]="row.controls.color.value">
                <app-icon [name]="row.controls.icon.value" [size]="18" />
              </span>
              <span class="font-medium text-gray-900">{{ row.controls.label.value || '…' }}</span>
              <span class="ml-auto flex gap-1">
                <button type="button" class="rounded border border-gray-300 px-2 py-0.5 text-sm disabled:opacity-30" [disabled]="i === 0" (click)="move(i, -1)" [attr.aria-label]="i18n.t('common.moveUp')" [title]="i18n.t('common.moveUp')">↑</button>
                <button type="button" class="rounded border border-gray-300 px-2 py-0.5 text-sm disabled:opacity-30" [disabled]="last" (click)="move(i, 1)" [attr.aria-label]="i18n.t('common.moveDown')" [title]="i18n.t('common.moveDown')">↓</button>
                <button type="button" class="rounded border border-red-200 px-2 py-0.5 text-sm text-red-700 disabled:opacity-30" [disabled]="rows.length === 1" (click)="rows.removeAt(i)" [attr.aria-label]="i18n.t('common.remove')">{{ i18n.t('common.remove') }}</button>
              </span>
            </div>
            <div class="grid gap-2 sm:grid-cols-2 lg:grid-cols-5">
              <label class="text-xs text-gray-600">{{ i18n.t('categories.id') }}<input formControlName="id" [class]="input + ' font-mono'" data-testid="category-id" />
                <span class="text-red-700" role="alert">{{ save_.reason('categories.' + i + '.id') }}</span></label>
              <label class="text-xs text-gray-600">{{ i18n.t('categories.label') }}<input formControlName="label" [class]="input" data-testid="category-label" />
                <span class="text-red-700" role="alert">{{ save_.reason('categories.' + i + '.label') }}</span></label>
              <label class="text-xs text-gray-600">{{ i18n.t('categories.labelEn') }}<input formControlName="labelEn" [class]="input" /></label>
              <label class="text-xs text-gray-600">{{ i18n.t('categories.icon') }}
                <select formControlName="icon" [class]="input + ' bg-white'">
                  @for (name of iconNames(row.controls.icon.value); track name) {
                    <option [value]="name">{{ name }}</option>
                  }
                </select>
              </label>
              <label class="text-xs text-gray-600">{{ i18n.t('categories.color') }}
                <span class="flex gap-1"><input type="color" formControlName="color" class="h-8 w-10 rounded border border-gray-300" /><input formControlName="color" [class]="input + ' font-mono'" /></span>
              </label>
              <label class="text-xs text-gray-600 sm:col-span-2 lg:col-span-5">{{ i18n.t('categories.description') }}<input formControlName="description" [class]="input" /></label>
            </div>
          </li>
        }
      </ol>
      <div class="flex flex-wrap items-center gap-2">
        <button type="button" (click)="add()" class="rounded-md border border-gray-300 bg-white px-3 py-2 text-sm font-medium" data-testid="category-add">+ {{ i18n.t('categories.add') }}</button>
        <button type="submit" [disabled]="save_.busy()" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
        <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline">{{ i18n.t('common.resetDefault') }}</button>
      </div>
      <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    </form>
  `,
})
export class CategoriesSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  private readonly changes = inject(ChangeDetectorRef);
  protected readonly input = INPUT;
  protected readonly save_ = new SaveState();
  protected readonly rows = new FormArray<CategoryForm>([]);
  protected readonly form = new FormGroup({ categories: this.rows });

  ngOnInit(): void {
    this.settings.categories().subscribe((categories) => this.fill(categories));
  }

  protected iconNames(current: string): string[] {
    return current && !ICON_NAMES.includes(current) ? [current, ...ICON_NAMES] : ICON_NAMES;
  }

  protected add(): void {
    this.rows.push(categoryForm());
  }

  protected move(index: number, by: -1 | 1): void {
    const row = this.rows.at(index);
    this.rows.removeAt(index);
    this.rows.insert(index + by, row);
  }

  protected save(): void {
    this.save_.run(this.settings.saveCategories(this.rows.controls.map(toCategory)), (saved) => this.fill(saved));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('ticket_categories'), () => this.ngOnInit());
  }

  private fill(categories: Category[]): void {
    this.rows.clear();
    for (const category of categories) this.rows.push(categoryForm(category));
    this.changes.markForCheck(); // arrives over HTTP: nothing else tells a zoneless view
  }
}
