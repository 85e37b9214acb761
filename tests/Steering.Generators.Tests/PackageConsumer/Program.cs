using System;
using Steering;

Console.WriteLine(LoveHate.Blocks1ResidPostPoint + " / " + Consumer.Tiny.Blocks[0].ResidPost.Name);

[SteerAt("blocks.1.hook_resid_post")]
public partial class LoveHate { }
