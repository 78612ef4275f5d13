/**
 * The rule id crisis mode's playbook adds to the routing it changes
 * (lambdas/core/routing/crisis-playbook.ts); the config refuses it as a rule's id. Its own file,
 * so routing can name it without loading the config's schema.
 */
export const CRISIS_RULE = 'crisis';
