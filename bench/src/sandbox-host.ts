// The import module `bench` that the sandbox bench registers through the host
// function API: `decide_env` checks one environment key against the policy
// and does nothing else, so its time is the API's own plus one decision.

import { type HostModuleFactory, hostFunction } from '@mcpkit/sandbox';

const factory: HostModuleFactory = (options) => {
  const key = String(options.key);
  return {
    name: 'bench',
    functions: {
      decide_env: hostFunction({
        check: (ctx) => ({
          decision: ctx.policy.decideEnv(key),
          capability: 'environment',
          target: key,
          access: 'read',
        }),
        run: () => 0,
        denied: 1,
      }),
    },
  };
};

export default factory;
