/**
 * The installer's flow as a pure reducer (STYLE.md 7): which screens are asked, in which order, and the
 * answers gathered so far. Going back never loses an answer; screens start from what is already there.
 */
import { QUESTION_SECTIONS, type DraftAnswers, type QuestionSection } from './engine/contract.js';

export type Step = QuestionSection | 'hardware' | 'summary';

/** The order of every step; hardware comes before the disk so the user sees what was found. */
const ORDER: readonly Step[] = ['welcome', 'keyboard', 'timezone', 'hardware', 'disk', 'layout', 'users', 'generations', 'summary'];

export interface WizardState {
  readonly steps: readonly Step[];
  readonly index: number;
  readonly answers: DraftAnswers;
  /** Set once the summary is confirmed: the install may start. */
  readonly confirmed: boolean;
}

/**
 * Moving on or back names the step it comes from: a step can be left only once, so a second "next" from a
 * screen that is already gone (two Enters folded against a stale state) is refused instead of skipping the
 * following step.
 */
export type WizardAction =
  | { readonly type: 'next'; readonly from: Step; readonly patch?: Partial<DraftAnswers> }
  | { readonly type: 'back'; readonly from: Step }
  /** Back to an earlier step (the summary's way to the disk screen); nothing happens if it is not asked. */
  | { readonly type: 'back-to'; readonly from: Step; readonly to: Step }
  | { readonly type: 'confirm' };

/** The steps for a run that asks `sections` (all by default); hardware and summary are always shown. */
export function wizardSteps(sections: readonly QuestionSection[] = QUESTION_SECTIONS): Step[] {
  return ORDER.filter((step) => step === 'hardware' || step === 'summary' || (sections as readonly string[]).includes(step));
}

export function initialWizard(answers: DraftAnswers, sections?: readonly QuestionSection[]): WizardState {
  return { steps: wizardSteps(sections), index: 0, answers, confirmed: false };
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  if (action.type !== 'confirm' && action.from !== currentStep(state)) return state;
  switch (action.type) {
    case 'next':
      return {
        ...state,
        answers: mergeAnswers(state.answers, action.patch ?? {}),
        index: Math.min(state.index + 1, state.steps.length - 1),
      };
    case 'back':
      return { ...state, index: Math.max(0, state.index - 1) };
    case 'back-to': {
      const index = state.steps.indexOf(action.to);
      return index < 0 || index > state.index ? state : { ...state, index };
    }
    case 'confirm':
      return state.steps[state.index] === 'summary' ? { ...state, confirmed: true } : state;
  }
}

export function currentStep(state: WizardState): Step {
  return state.steps[state.index]!;
}

/** The answers with a step's patch; `encryption: undefined` in a patch removes it (encryption turned off). */
export function mergeAnswers(answers: DraftAnswers, patch: Partial<DraftAnswers>): DraftAnswers {
  const encryption = 'encryption' in patch ? patch.encryption : answers.encryption;
  const { encryption: _previous, ...rest } = { ...answers, ...patch };
  return encryption === undefined ? rest : { ...rest, encryption };
}
