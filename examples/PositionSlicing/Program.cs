using System;
using Steering.Examples;

PositionSlicing.PositionSlicingExample.Run(ExampleModel.Folder(args), Console.Out);
