import type { AnyNodeDefinition } from '../node.ts';
import { BooleanNode, FloatNode, IntNode, SeedNode, StringNode } from './primitives.ts';
import { ShowTextNode, StringFormatNode, StringJoinNode } from './strings.ts';

export { MAX_SEED } from './primitives.ts';

/** The engine's own utility nodes; hosts register them next to their node packs. */
export const builtinNodes: AnyNodeDefinition[] = [StringNode, IntNode, FloatNode, BooleanNode, SeedNode, StringJoinNode, StringFormatNode, ShowTextNode];
