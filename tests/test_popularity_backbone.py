"""Chapter 04's pretrained backbone: the head reads what the encoder reads; fine-tuning leaves the cache alone."""
import numpy as np
import torch

from thumbnail_lab.encoder import PretrainedEncoder, ThumbEncoder
from thumbnail_lab.encoder.model import to_input
from thumbnail_lab.popularity import synthetic
from thumbnail_lab.popularity.backbone import BACKBONE_MODELS, EncoderRegressor, backbone_models
from thumbnail_lab.popularity.data import StudyData, split_setup
from thumbnail_lab.popularity.image_models import to_standardised_tensor


def test_regressor_feeds_the_encoder_its_own_input_scale():
    torch.manual_seed(0)
    encoder = ThumbEncoder(4).eval()
    net = EncoderRegressor(encoder, 2).eval()
    images = np.random.default_rng(0).integers(0, 256, (3, 36, 64, 3), dtype=np.uint8)
    with torch.no_grad():
        direct = net.head(encoder(to_input(images)))
        through = net(to_standardised_tensor(images))
    torch.testing.assert_close(through, direct, atol=1e-5, rtol=1e-4)


def test_backbone_models_predict_every_target_and_leave_the_pretrained_weights():
    torch.set_num_threads(1)
    meta, images, _ = synthetic.make_world(160, seed=2)
    data = StudyData(meta, images)
    masks, targets = split_setup(data, "random")
    torch.manual_seed(0)
    encoder = PretrainedEncoder(ThumbEncoder(4).eval())
    before = {k: v.clone() for k, v in encoder.model.state_dict().items()}
    preds, regressors = backbone_models(encoder, data, targets, masks, epochs=1, lr=3e-3, finetune_lr=1e-3,
                                        batch_size=32, seed=0)
    assert set(preds) == set(BACKBONE_MODELS) and set(regressors) == {"encoder_finetune", "encoder_scratch"}
    for pred in preds.values():
        assert set(pred) == set(targets.regression)
        assert all(np.isfinite(v).all() and v.shape == (160,) for v in pred.values())
    after = encoder.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), "fine-tuning changed the cached encoder"
    tuned = regressors["encoder_finetune"].model.encoder.state_dict()
    assert not all(torch.equal(before[k], tuned[k]) for k in before if before[k].is_floating_point())
