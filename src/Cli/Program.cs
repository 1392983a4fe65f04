using PtLock.Cli;

return await PtLockCli.RunAsync(args, CliEnvironment.ForProcess());
