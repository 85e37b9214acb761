using Steering.DemoModel;

return DemoModelApp.Run(args, System.Console.Out, System.Console.Error);
