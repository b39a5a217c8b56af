"""A ten-line tour: a tensor, a gradient read from the output, a model, a loss, SGD."""
import tinygrad_acts as ta
import tinygrad_acts.functional as F

x = ta.tensor([[1.0, -2.0, 0.5]], requires_grad=True)
y = x.tanh()                                  # tanh keeps only its output y ...
y.sum().backward()                            # ... because dy/dx = 1 - y**2
print("y = tanh(x):", y.numpy().round(4), " dy/dx:", x.grad.numpy().round(4))

ta.manual_seed(0)
model = ta.nn.Sequential(ta.nn.Linear(3, 8), ta.nn.ReLU(), ta.nn.Linear(8, 2))
opt = ta.optim.SGD(model.parameters(), lr=0.5)
for step in range(4):
    loss = F.cross_entropy(model(x.detach()), ta.tensor([1]))   # class 1 is the answer
    opt.zero_grad(); loss.backward(); opt.step()
    print(f"step {step}: loss {loss.item():.4f}")
