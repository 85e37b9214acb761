using System;
using static TorchSharp.torch;

Console.WriteLine(ones(2, 3).sum().item<float>());
