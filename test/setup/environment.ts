import { inject } from 'vitest';

// Functions read their tables and endpoints from the environment, exactly as in Lambda.
Object.assign(process.env, inject('functionEnvironment'));
