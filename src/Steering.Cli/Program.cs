using Steering.Cli;

return SteerApp.Run(args);
